import type Router from '@koa/router';
import { formBody, validate } from '../../http/validate.js';
import type { Services } from '../../services.js';
import { createAttributeDetailPages } from './attribute-detail-pages.js';
import { createAttributePages } from './attribute-pages.js';
import { createClientPages } from './client-pages.js';
import { formWithParams, pathParams, queryWithParams } from './console-input.js';
import { requireWriteAccess, type loadConsoleMember } from './console-member.js';
import type { ConsoleView } from './console-view.js';
import {
  attributeChangeFormSchema, attributeFormSchema, attributeParamsSchema, attributeRemoveFormSchema, attributeRenameFormSchema, clientCreateFormSchema, clientFormSchema, clientParamsSchema, clientRotateFormSchema, groupCreateFormSchema,
  groupEditFormSchema, groupFormSchema, groupParamsSchema,
  providerFormSchema, providerParamsSchema, roleCreateFormSchema, roleEditFormSchema, roleFormSchema, roleParamsSchema,
  ambiguityFormSchema, defaultRoleFormSchema, ruleAddFormSchema, ruleParamsSchema, ruleRemoveFormSchema,
} from './console.schema.js';
import { createGroupDetailPages } from './group-detail-pages.js';
import { createGroupPages } from './group-pages.js';
import { createProviderPages } from './provider-pages.js';
import { createRolePages } from './role-pages.js';
import { createRulePages } from './rule-pages.js';

/**
 * The console's configuration sections (groups, clients, roles and rules, upstream providers, the attribute
 * schema) on the same chains as the users section: reads for members, changes for full members with CSRF.
 */
export function settingsRoutes(router: Router, deps: { services: Services; view: ConsoleView; member: ReturnType<typeof loadConsoleMember> }): void {
  const { services, view, member } = deps;
  const { edge, checkCsrf: csrf } = view;
  const write = requireWriteAccess;
  const groups = createGroupPages({ services, view });
  const group = createGroupDetailPages({ services, view });
  const clients = createClientPages({ clients: services.clients, view });
  const roles = createRolePages({ roles: services.roles, view });
  const rules = createRulePages({ roles: services.roles, view });
  const providers = createProviderPages({ providers: services.providers, view });
  const attributes = createAttributePages({ attributes: services.attributes, view });
  const attribute = createAttributeDetailPages({ attributes: services.attributes, view });

  router.get('/admin/groups', edge, member, groups.list);
  router.post('/admin/groups', edge, member, write, validate(groupCreateFormSchema, formBody()), csrf, groups.create);
  router.get('/admin/groups/:name', edge, member, validate(groupParamsSchema, queryWithParams), group.show);
  router.post('/admin/groups/:name/edit', edge, member, write, validate(groupEditFormSchema, formWithParams), csrf, group.edit);
  router.get('/admin/groups/:name/delete', edge, member, validate(groupParamsSchema, pathParams), group.confirmDelete);
  router.post('/admin/groups/:name/delete', edge, member, write, validate(groupFormSchema, formWithParams), csrf, group.delete);

  router.get('/admin/clients', edge, member, clients.list);
  router.post('/admin/clients', edge, member, write, validate(clientCreateFormSchema, formBody()), csrf, clients.create);
  router.get('/admin/clients/:id', edge, member, validate(clientParamsSchema, pathParams), clients.show);
  router.get('/admin/clients/:id/delete', edge, member, validate(clientParamsSchema, pathParams), clients.confirmDelete);
  router.post('/admin/clients/:id/rotate-secret', edge, member, write, validate(clientRotateFormSchema, formWithParams), csrf, clients.rotateSecret);
  router.post('/admin/clients/:id/delete', edge, member, write, validate(clientFormSchema, formWithParams), csrf, clients.delete);

  router.get('/admin/roles', edge, member, roles.list);
  router.post('/admin/roles', edge, member, write, validate(roleCreateFormSchema, formBody()), csrf, roles.create);
  router.get('/admin/roles/:name', edge, member, validate(roleParamsSchema, pathParams), roles.show);
  router.get('/admin/roles/:name/delete', edge, member, validate(roleParamsSchema, pathParams), roles.confirmDelete);
  router.post('/admin/roles/:name/edit', edge, member, write, validate(roleEditFormSchema, formWithParams), csrf, roles.edit);
  router.post('/admin/roles/:name/delete', edge, member, write, validate(roleFormSchema, formWithParams), csrf, roles.delete);
  router.post('/admin/roles/rules', edge, member, write, validate(ruleAddFormSchema, formBody()), csrf, rules.add);
  router.get('/admin/roles/rules/:position/remove', edge, member, validate(ruleParamsSchema, pathParams), rules.confirmRemove);
  router.post('/admin/roles/rules/:position/remove', edge, member, write, validate(ruleRemoveFormSchema, formWithParams), csrf, rules.remove);
  router.post('/admin/roles/default', edge, member, write, validate(defaultRoleFormSchema, formBody()), csrf, rules.setDefault);
  router.post('/admin/roles/ambiguity', edge, member, write, validate(ambiguityFormSchema, formBody()), csrf, rules.setAmbiguity);

  router.get('/admin/providers', edge, member, providers.list);
  router.get('/admin/providers/:name', edge, member, validate(providerParamsSchema, pathParams), providers.show);
  router.get('/admin/providers/:name/remove', edge, member, validate(providerParamsSchema, pathParams), providers.confirmRemove);
  router.post('/admin/providers/:name/remove', edge, member, write, validate(providerFormSchema, formWithParams), csrf, providers.remove);

  router.get('/admin/attributes', edge, member, attributes.list);
  router.post('/admin/attributes', edge, member, write, validate(attributeFormSchema, formBody()), csrf, attributes.add);
  router.get('/admin/attributes/:name', edge, member, validate(attributeParamsSchema, pathParams), attribute.show);
  router.post('/admin/attributes/:name/change', edge, member, write, validate(attributeChangeFormSchema, formWithParams), csrf, attribute.change);
  router.post('/admin/attributes/:name/rename', edge, member, write, validate(attributeRenameFormSchema, formWithParams), csrf, attribute.rename);
  router.get('/admin/attributes/:name/remove', edge, member, validate(attributeParamsSchema, pathParams), attribute.confirmRemove);
  router.post('/admin/attributes/:name/remove', edge, member, write, validate(attributeRemoveFormSchema, formWithParams), csrf, attribute.remove);
}
