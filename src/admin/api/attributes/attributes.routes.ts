import type { z } from 'zod';
import type { Services } from '../../../services.js';
import { presentAttribute, presentAttributeChange } from '../../../directory/attribute.presenter.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { addAttributeBody, attributeChangeSchema, attributeListSchema, attributeParams, attributeSchema, changeAttributeBody, removeAttributeQuery } from './attributes.schema.js';

type Deps = Pick<Services, 'attributes'>;

/** The custom attribute schema (Cognito's custom attributes): declarations, and their changes with migrated values. */
export function attributeRoutes(s: Deps): AdminRoute[] {
  return [
    adminRoute({
      method: 'get', path: '/attributes', operationId: 'listAttributes', tag: 'attributes', access: 'read', summary: 'The declared custom attributes',
      status: 200, response: attributeListSchema,
      async handle() {
        return { attributes: (await s.attributes.list()).map(presentAttribute) };
      },
    }),
    adminRoute({
      method: 'post', path: '/attributes', operationId: 'addAttribute', tag: 'attributes', access: 'write', summary: 'Declare a custom attribute (409 when the name is declared)',
      body: addAttributeBody, status: 201, response: attributeSchema, errors: [409],
      async handle({ body }) {
        return presentAttribute(await s.attributes.add({
          name: body.name, type: body.type, required: body.required, mutable: body.mutable,
          minLength: body.min_length, maxLength: body.max_length, min: body.min_value, max: body.max_value,
        }));
      },
    }),
    adminRoute({
      method: 'patch', path: '/attributes/:name', operationId: 'changeAttribute', tag: 'attributes', access: 'write',
      summary: 'Rename an attribute, change its type or constraints, migrating every value in one transaction (dry_run: report only)',
      params: attributeParams, body: changeAttributeBody, status: 200, response: attributeChangeSchema, errors: [404, 409],
      async handle({ params, body }) {
        const options = { dryRun: body.dry_run ?? false };
        const report = body.name !== undefined
          ? await s.attributes.rename(params.name, body.name, options)
          : await s.attributes.change(params.name, {
            type: body.type, required: body.required, mutable: body.mutable,
            minLength: body.min_length, maxLength: body.max_length, minValue: body.min_value, maxValue: body.max_value,
          }, options);
        return presentAttributeChange(report) as z.input<typeof attributeChangeSchema>;
      },
    }),
    adminRoute({
      method: 'delete', path: '/attributes/:name', operationId: 'removeAttribute', tag: 'attributes', access: 'write',
      summary: 'Remove an attribute (409 while it holds values, unless force=true, which deletes them)',
      params: attributeParams, query: removeAttributeQuery, status: 204, response: null, errors: [404, 409],
      async handle({ params, query }) {
        await s.attributes.remove(params.name, { force: query.force === 'true' });
      },
    }),
  ];
}
