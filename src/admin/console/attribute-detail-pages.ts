import type { Context } from 'koa';
import { ConflictError, NotFoundError } from '../../errors/app-error.js';
import type { AttributeChange, AttributeChangeReport, AttributeService } from '../../directory/attribute-service.js';
import type { WithInput } from '../../http/validate.js';
import type { WithMember } from './console-member.js';
import type { ConsoleView } from './console-view.js';
import type { AttributeChangeForm, AttributeParams, AttributeRemoveForm, AttributeRenameForm } from './console.schema.js';
import { formProblems, type FormProblems } from './form-problems.js';

type Ctx<T> = Context & WithMember & WithInput<T>;
const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
const text = (value: number | null) => (value === null ? '' : String(value));

/** What the change form showed, to show it again with the preview or the refusal. */
function formValues(input: AttributeChangeForm) {
  return {
    type: input.type, required: input.required, mutable: input.mutable, min_length: text(input.min_length), max_length: text(input.max_length),
    min_value: text(input.min_value), max_value: text(input.max_value),
  };
}

/**
 * The change form as an {@link AttributeChange}: the whole declaration, with only the constraints of the chosen
 * type (an empty bound removes it); the others are left to the service, which drops them with a type change.
 */
function changeOf(input: AttributeChangeForm): AttributeChange {
  const { type, required, mutable } = input;
  if (type === 'string') return { type, required, mutable, minLength: input.min_length, maxLength: input.max_length };
  if (type === 'number') return { type, required, mutable, minValue: input.min_value, maxValue: input.max_value };
  return { type, required, mutable };
}

/**
 * One custom attribute: its declaration and how many users hold a value, the change form (with a preview,
 * the service's dry run: what would change and how many values would convert), a rename, and the removal with
 * a confirmation that counts the values it deletes and forces it only when a box says so.
 */
export function createAttributeDetailPages(deps: { attributes: AttributeService; view: ConsoleView }) {
  const { attributes, view } = deps;

  async function requireAttribute(name: string) {
    const attribute = (await attributes.list()).find((candidate) => candidate.name === name);
    if (!attribute) throw new NotFoundError('There is no such attribute. It may have been removed or renamed.');
    // A change to what it is already writes nothing, records nothing, and counts the values: the count for the page.
    const { values } = await attributes.change(name, { mutable: attribute.mutable }, { dryRun: true });
    return { attribute, values };
  }

  async function render(ctx: Context & WithMember, name: string, state: { problems?: FormProblems; values?: Record<string, unknown>; preview?: AttributeChangeReport } = {}): Promise<void> {
    const { attribute: a, values } = await requireAttribute(name);
    const { problems, preview } = state;
    view.render(ctx, 'attribute.njk', {
      title: `Attribute custom:${a.name}`,
      section: '/admin/attributes',
      breadcrumb: { href: '/admin/attributes', label: 'Attribute schema' },
      attribute: {
        name: a.name,
        held: plural(values, 'user holds a value', 'users hold a value'),
        rows: [['Type', a.type], ['Required at sign-up', a.required ? 'yes' : 'no'], ['Users may change it', a.mutable ? 'yes' : 'no'],
          ['Shortest', text(a.min_length)], ['Longest', text(a.max_length)], ['Lowest value', text(a.min_value)], ['Highest value', text(a.max_value)]],
      },
      values: {
        type: a.type, required: a.required, mutable: a.mutable, min_length: text(a.min_length), max_length: text(a.max_length),
        min_value: text(a.min_value), max_value: text(a.max_value), to: '', ...state.values,
      },
      preview: preview && {
        changes: preview.changes,
        summary: preview.changes.length === 0 ? 'Nothing would change.'
          : `${plural(preview.values, 'user holds', 'users hold')} a value; ${preview.attribute.type !== preview.previous.type ? `${preview.converted} would be converted` : 'every one fits'}. Nothing is changed until you apply it.`,
      },
      error: problems?.error,
      fieldErrors: problems?.fieldErrors ?? {},
    }, problems?.status ?? 200);
  }

  async function renderRemove(ctx: Context & WithMember, name: string, error?: string, status = 200): Promise<void> {
    const { values } = await requireAttribute(name);
    view.render(ctx, 'confirm.njk', {
      title: `Remove custom:${name}`,
      section: '/admin/attributes',
      breadcrumb: { href: `/admin/attributes/${name}`, label: `custom:${name}` },
      error,
      confirm: {
        question: `Remove the attribute custom:${name}?`,
        consequences: [
          values === 0 ? 'No user holds a value.' : `${plural(values, 'user holds a value', 'users hold a value')}: removing the attribute deletes ${plural(values, 'value', 'values')}.`,
          'Apps stop receiving the claim. This cannot be undone.',
        ],
        ...(values > 0 ? { check: { name: 'force', label: `Yes, delete ${plural(values, 'value', 'values')} with the attribute` } } : {}),
        action: `/admin/attributes/${name}/remove`,
        button: 'Remove attribute',
        cancel: `/admin/attributes/${name}`,
      },
    }, status);
  }

  return {
    /** GET /admin/attributes/:name */
    show: (ctx: Ctx<AttributeParams>) => render(ctx, ctx.input.name),

    /**
     * POST /admin/attributes/:name/change: with `preview`, the dry run's report on the page; else the change
     * (records `attribute.changed`). A refusal (a value that would not convert or fit) shows the service's
     * sentence, and nothing is changed: the service converts every value or none.
     */
    change: async (ctx: Ctx<AttributeChangeForm>): Promise<void> => {
      const { name, preview } = ctx.input;
      const typed = formValues(ctx.input);
      let report: AttributeChangeReport;
      try {
        report = await attributes.change(name, changeOf(ctx.input), { dryRun: preview });
      } catch (error) {
        const problems = formProblems(error);
        if (!problems || error instanceof NotFoundError) throw error;
        return render(ctx, name, { problems, values: typed });
      }
      if (preview) return render(ctx, name, { preview: report, values: typed });
      ctx.status = 303;
      ctx.redirect(`/admin/attributes/${name}?notice=${report.changes.length ? 'attribute_changed' : 'attribute_unchanged'}`);
    },

    /** POST /admin/attributes/:name/rename: every value moves to the new name (records `attribute.changed`). */
    rename: async (ctx: Ctx<AttributeRenameForm>): Promise<void> => {
      const { name, to } = ctx.input;
      let report: AttributeChangeReport;
      try {
        report = await attributes.rename(name, to);
      } catch (error) {
        const problems = formProblems(error);
        if (!problems || error instanceof NotFoundError) throw error;
        problems.fieldErrors.to = problems.fieldErrors.name ?? problems.error;
        return render(ctx, name, { problems, values: { to } });
      }
      ctx.status = 303;
      ctx.redirect(`/admin/attributes/${report.attribute.name}?notice=attribute_renamed`);
    },

    /** GET /admin/attributes/:name/remove */
    confirmRemove: (ctx: Ctx<AttributeParams>) => renderRemove(ctx, ctx.input.name),

    /** POST /admin/attributes/:name/remove: values go only with the ticked box (`force`); else a 409 and the count. */
    remove: async (ctx: Ctx<AttributeRemoveForm>): Promise<void> => {
      const { name, force } = ctx.input;
      try {
        await attributes.remove(name, { force });
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        return renderRemove(ctx, name, 'The attribute still holds values, so it was not removed. Tick the box to delete them with it.', 409);
      }
      ctx.status = 303;
      ctx.redirect('/admin/attributes?notice=attribute_removed');
    },
  };
}
