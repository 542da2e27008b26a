import type { Context } from 'koa';
import { ConflictError, NotFoundError } from '../../errors/app-error.js';
import type { WithInput } from '../../http/validate.js';
import type { RoleService } from '../../identity-pool/role-service.js';
import type { WithMember } from './console-member.js';
import type { ConsoleView } from './console-view.js';
import type { AmbiguityForm, DefaultRoleForm, RuleAddForm, RuleParams, RuleRemoveForm } from './console.schema.js';
import { formProblems, type FormProblems } from './form-problems.js';
import { renderRolesPage } from './roles-page.js';

type Ctx<T> = Context & WithMember & WithInput<T>;

/**
 * The identity pool's rules and choices on the roles page: add a rule (at the end), remove one after a
 * confirmation, the default role and what happens when several groups give roles. Each form is one service
 * call, which records its audit event; a refusal comes back on the roles page with the field at fault.
 */
export function createRulePages(deps: { roles: RoleService; view: ConsoleView }) {
  const { roles, view } = deps;

  const back = (ctx: Context, notice: string) => {
    ctx.status = 303;
    ctx.redirect(`/admin/roles?notice=${notice}`);
  };

  /** A refusal as the form's problems; a role that does not exist is named on `field`, the form's role field. */
  function problemsOf(error: unknown, field: string): FormProblems | undefined {
    const problems = formProblems(error);
    if (problems && error instanceof NotFoundError) problems.fieldErrors[field] = 'There is no such role. It may have been deleted.';
    return problems;
  }

  async function requireRule(position: number) {
    const rule = (await roles.poolSettings()).rules.find((candidate) => candidate.position === position);
    if (!rule) throw new NotFoundError('There is no rule at this position. The rules may have changed.');
    return rule;
  }

  return {
    /** POST /admin/roles/rules: a new last rule (records `role.rules_changed`). */
    add: async (ctx: Ctx<RuleAddForm>): Promise<void> => {
      const { claim, match, value, role } = ctx.input;
      try {
        await roles.addRule({ claim, match, value, role });
      } catch (error) {
        const problems = problemsOf(error, 'role');
        if (!problems) throw error;
        return renderRolesPage(ctx, roles, view, { problems, values: { claim, match, value, role } });
      }
      back(ctx, 'rule_added');
    },

    /** GET /admin/roles/rules/:position/remove: the rule as it stands, and what removing it does. */
    confirmRemove: async (ctx: Ctx<RuleParams>): Promise<void> => {
      const rule = await requireRule(ctx.input.position);
      view.render(ctx, 'confirm.njk', {
        title: `Remove rule ${rule.position}`,
        section: '/admin/roles',
        breadcrumb: { href: '/admin/roles', label: 'Roles and rules' },
        confirm: {
          question: `Remove rule ${rule.position}: ${rule.claim} ${rule.match_type} "${rule.value}" → ${rule.role_name}?`,
          consequences: ['Later rules move up one place. Credentials already issued through it keep working until they expire.'],
          action: `/admin/roles/rules/${rule.position}/remove`,
          fields: { claim: rule.claim, match: rule.match_type, value: rule.value, role: rule.role_name },
          button: 'Remove rule',
          cancel: '/admin/roles',
        },
      });
    },

    /**
     * POST /admin/roles/rules/:position/remove. Rules are addressed by position, which moves when another
     * rule goes: the rule the confirmation showed must still be there, else nothing is removed. The list is
     * replaced without it in one transaction (`replaceMapping`, recording `role.rules_changed`): the service's
     * `removeRule` renumbers through negative positions, which the table's CHECK (1 to 25) refuses for any
     * rule but the last.
     */
    remove: async (ctx: Ctx<RuleRemoveForm>): Promise<void> => {
      const { position, claim, match, value, role } = ctx.input;
      const pool = await roles.poolSettings();
      const rule = pool.rules.find((candidate) => candidate.position === position);
      if (!rule) throw new NotFoundError('There is no rule at this position. The rules may have changed.');
      if (rule.claim !== claim || rule.match_type !== match || rule.value !== value || rule.role_name !== role) {
        throw new ConflictError('The rules changed since the confirmation was shown, so nothing was removed. Look at them again.');
      }
      await roles.replaceMapping({
        rules: pool.rules.filter((kept) => kept !== rule).map((kept) => ({ claim: kept.claim, match: kept.match_type, value: kept.value, role: kept.role_name })),
        defaultRole: pool.default_role,
        ambiguousRoleResolution: pool.ambiguous_role_resolution,
      });
      back(ctx, 'rule_removed');
    },

    /** POST /admin/roles/default: the role of users no rule or group gives one (empty: none). */
    setDefault: async (ctx: Ctx<DefaultRoleForm>): Promise<void> => {
      try {
        await roles.setDefaultRole(ctx.input.default_role ?? null);
      } catch (error) {
        const problems = problemsOf(error, 'default_role');
        if (!problems) throw error;
        return renderRolesPage(ctx, roles, view, { problems, values: { default_role: ctx.input.default_role ?? '' } });
      }
      back(ctx, 'default_role_set');
    },

    /** POST /admin/roles/ambiguity: refuse, or fall back to the default role, when several groups give roles. */
    setAmbiguity: async (ctx: Ctx<AmbiguityForm>): Promise<void> => {
      await roles.setAmbiguousRoleResolution(ctx.input.mode);
      back(ctx, 'ambiguity_set');
    },
  };
}
