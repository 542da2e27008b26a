import type { Context } from 'koa';
import type { AttributeService } from '../../directory/attribute-service.js';
import type { WithInput } from '../../http/validate.js';
import type { WithMember } from './console-member.js';
import type { ConsoleView } from './console-view.js';
import type { AttributeForm } from './console.schema.js';
import { formProblems, type FormProblems } from './form-problems.js';

/** The attribute schema: declared custom attributes and the form that declares one. */
export function createAttributePages(deps: { attributes: AttributeService; view: ConsoleView }) {
  const { attributes, view } = deps;

  async function render(ctx: Context & WithMember, problems?: FormProblems, values: Partial<AttributeForm> = {}): Promise<void> {
    const limits = (min: number | null, max: number | null, unit: string) => (min === null && max === null ? '' : `${min ?? '…'} to ${max ?? '…'}${unit}`);
    view.render(ctx, 'attributes.njk', {
      title: 'Attribute schema',
      section: '/admin/attributes',
      attributes: (await attributes.list()).map((a) => ({
        name: a.name, claim: `custom:${a.name}`, type: a.type, required: a.required, mutable: a.mutable,
        limits: a.type === 'string' ? limits(a.min_length, a.max_length, ' characters') : a.type === 'number' ? limits(a.min_value, a.max_value, '') : '',
      })),
      values: { name: values.name ?? '', type: values.type ?? 'string', required: values.required ?? false, mutable: values.mutable ?? true },
      error: problems?.error,
      fieldErrors: problems?.fieldErrors ?? {},
    }, problems?.status ?? 200);
  }

  return {
    list: (ctx: Context & WithMember) => render(ctx),
    /** POST /admin/attributes: a new name only; the directory checks it, refuses one declared already, and records `attribute.added`. */
    add: async (ctx: Context & WithMember & WithInput<AttributeForm>): Promise<void> => {
      try {
        // `add`, not `declare`: a name declared already is refused (409), never redeclared with other constraints.
        await attributes.add({ name: ctx.input.name, type: ctx.input.type, required: ctx.input.required, mutable: ctx.input.mutable });
      } catch (error) {
        const problems = formProblems(error);
        if (!problems) throw error;
        return render(ctx, problems, ctx.input);
      }
      ctx.status = 303;
      ctx.redirect('/admin/attributes?notice=attribute_added');
    },
  };
}
