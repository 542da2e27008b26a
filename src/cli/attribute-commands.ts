import { Option, type Command } from 'commander';
import { presentAttribute, presentAttributeChange } from '../directory/attribute.presenter.js';
import type { AttributeChange, AttributeChangeReport } from '../directory/attribute-service.js';
import { withCliContext } from './cli-context.js';
import { createOutput, table } from './output.js';

function out(program: Command) {
  return createOutput(Boolean(program.opts().json));
}

/** A number option; a blank one is not 0 but a mistake the service names. */
const numberArgument = (value: string) => (value.trim() === '' ? Number.NaN : Number(value));

/** `--x N` sets a constraint and `--clear-x` removes it; both at once is a usage error (exit 2). */
function constraintOptions(command: Command, flag: string, what: string): Command {
  return command
    .addOption(new Option(`--${flag} <n>`, what).argParser(numberArgument).conflicts(`clear${camel(flag)}`))
    .addOption(new Option(`--clear-${flag}`, `remove the ${flag.replace('-', ' ')} constraint`));
}

const camel = (flag: string) => flag.split('-').map((part) => part[0]!.toUpperCase() + part.slice(1)).join('');

interface ChangeOptions {
  type?: string; required?: boolean; optional?: boolean; mutable?: boolean; immutable?: boolean; dryRun: boolean;
  minLength?: number; maxLength?: number; minValue?: number; maxValue?: number;
  clearMinLength?: boolean; clearMaxLength?: boolean; clearMinValue?: boolean; clearMaxValue?: boolean;
}

/** The options as a change: a set constraint, a cleared one (null), or untouched (undefined). */
function toChange(o: ChangeOptions): AttributeChange {
  const constraint = (value: number | undefined, clear: boolean | undefined) => (clear ? null : value);
  return {
    type: o.type,
    required: o.required ? true : o.optional ? false : undefined,
    mutable: o.mutable ? true : o.immutable ? false : undefined,
    minLength: constraint(o.minLength, o.clearMinLength),
    maxLength: constraint(o.maxLength, o.clearMaxLength),
    minValue: constraint(o.minValue, o.clearMinValue),
    maxValue: constraint(o.maxValue, o.clearMaxValue),
  };
}

const values = (n: number) => `${n} value${n === 1 ? '' : 's'}`;
const dryRun = ' (dry run: nothing changed)';

/** One line for people: what changed (or would), and what became of the values. */
function describeChange(report: AttributeChangeReport): string {
  const claim = `custom:${report.previous.name}`;
  if (!report.changes.length) return `${claim} already is so; nothing changed`;
  const converted = report.attribute.type !== report.previous.type ? `; ${report.converted} of ${values(report.values)} ${report.dryRun ? 'would be ' : ''}converted` : '';
  return `${report.dryRun ? 'would change' : 'changed'} ${claim}: ${report.changes.join(', ')}${converted}${report.dryRun ? dryRun : ''}`;
}

function describeRename(report: AttributeChangeReport): string {
  const moves = `custom:${report.previous.name} to custom:${report.attribute.name}`;
  return report.dryRun ? `would rename ${moves}, moving ${values(report.converted)}${dryRun}` : `renamed ${moves}; moved ${values(report.converted)}`;
}

/**
 * `latchkey attribute …`: declare, list, change (type and constraints, migrating the values), rename and
 * remove custom attributes. Each change is one transaction with its audit event; refusals change nothing.
 */
export function registerAttributeCommands(program: Command, env: NodeJS.ProcessEnv): void {
  const attribute = program.command('attribute').description('declare and change custom user attributes (custom:NAME claims)');
  attribute.command('declare <name>')
    .description('declare a custom attribute, or set the constraints of a declared one (checked against its values; its type changes with attribute change)')
    .requiredOption('--type <type>', 'string | number | boolean')
    .option('--required', 'every user must have it', false)
    .option('--immutable', 'set once: neither users nor administrators change it afterwards', false)
    .option('--min-length <n>', 'strings: minimum length', numberArgument)
    .option('--max-length <n>', 'strings: maximum length', numberArgument)
    .option('--min <n>', 'numbers: minimum', numberArgument)
    .option('--max <n>', 'numbers: maximum', numberArgument)
    .action(async (name: string, o: { type: string; required: boolean; immutable: boolean; minLength?: number; maxLength?: number; min?: number; max?: number }) => {
      await withCliContext(env, async ({ services }) => {
        const declared = await services.attributes.declare({ name, type: o.type, required: o.required, mutable: !o.immutable, minLength: o.minLength ?? null, maxLength: o.maxLength ?? null, min: o.min ?? null, max: o.max ?? null });
        out(program).result(presentAttribute(declared), () => `declared custom:${declared.name} (${declared.type}${declared.required ? ', required' : ''})`);
      });
    });

  attribute.command('list')
    .description('list declared custom attributes')
    .action(async () => {
      await withCliContext(env, async ({ services }) => {
        const rows = await services.attributes.list();
        out(program).result(rows.map(presentAttribute), () => table(['NAME', 'TYPE', 'REQUIRED', 'MUTABLE'], rows.map((r) => [`custom:${r.name}`, r.type, String(r.required), String(r.mutable)])));
      });
    });

  const change = attribute.command('change <name>')
    .description('change the type or constraints of an attribute, converting its values: refused, changing nothing, when a value would not convert or a new constraint is broken')
    .option('--type <type>', 'string | number | boolean: every value must convert ("42" → 42, "true" → true, 0/1 ↔ false/true, a number or boolean → its text)')
    .addOption(new Option('--required', 'every user must have it (refused while some have no value)').conflicts('optional'))
    .option('--optional', 'users may lack it')
    .addOption(new Option('--mutable', 'it may change after it is set').conflicts('immutable'))
    .option('--immutable', 'set once: it never changes afterwards');
  constraintOptions(change, 'min-length', 'strings: minimum length');
  constraintOptions(change, 'max-length', 'strings: maximum length (refused while longer values exist)');
  constraintOptions(change, 'min-value', 'numbers: minimum');
  constraintOptions(change, 'max-value', 'numbers: maximum');
  change.option('--dry-run', 'check and count what would change, and change nothing', false)
    .action(async (name: string, o: ChangeOptions) => {
      await withCliContext(env, async ({ services }) => {
        const report = await services.attributes.change(name, toChange(o), { dryRun: o.dryRun });
        out(program).result(presentAttributeChange(report), () => describeChange(report));
      });
    });

  attribute.command('rename <old> <new>')
    .description('rename an attribute: its declaration and every user\'s value move to the new name (the claim becomes custom:NEW)')
    .option('--dry-run', 'check and count the values that would move, and change nothing', false)
    .action(async (from: string, to: string, o: { dryRun: boolean }) => {
      await withCliContext(env, async ({ services }) => {
        const report = await services.attributes.rename(from, to, { dryRun: o.dryRun });
        out(program).result(presentAttributeChange(report), () => describeRename(report));
      });
    });

  attribute.command('remove <name>')
    .description('remove an attribute; one that users hold values of only with --force, which deletes the values')
    .option('--force', 'delete the values users hold', false)
    .action(async (name: string, o: { force: boolean }) => {
      await withCliContext(env, async ({ services }) => {
        const removed = await services.attributes.remove(name, { force: o.force });
        out(program).result({ removed: `custom:${removed.name}`, values_deleted: removed.valuesDeleted }, () =>
          `removed custom:${removed.name}${removed.valuesDeleted ? ` and deleted ${removed.valuesDeleted} value${removed.valuesDeleted === 1 ? '' : 's'}` : ''}`);
      });
    });
}
