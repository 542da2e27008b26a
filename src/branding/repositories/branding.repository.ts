import type { Queryable } from '../../db/database.js';

export interface MailTemplateOverrideRow {
  name: string;
  text_body: string | null;
  html_body: string | null;
}

/** The stored theme stylesheet, or null when none is stored. */
export async function findTheme(db: Queryable): Promise<string | null> {
  const { rows } = await db.query<{ css: string }>('SELECT css FROM hosted_ui_theme WHERE singleton');
  return rows[0]?.css ?? null;
}

export async function upsertTheme(db: Queryable, css: string): Promise<void> {
  await db.query(
    'INSERT INTO hosted_ui_theme (singleton, css) VALUES (true, $1) ON CONFLICT (singleton) DO UPDATE SET css = EXCLUDED.css, updated_at = now()',
    [css],
  );
}

export async function deleteTheme(db: Queryable): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM hosted_ui_theme WHERE singleton');
  return (rowCount ?? 0) > 0;
}

export async function listMailTemplateOverrides(db: Queryable): Promise<MailTemplateOverrideRow[]> {
  const { rows } = await db.query<MailTemplateOverrideRow>('SELECT name, text_body, html_body FROM mail_template_overrides ORDER BY name');
  return rows;
}

export async function upsertMailTemplateOverride(db: Queryable, row: MailTemplateOverrideRow): Promise<void> {
  await db.query(
    `INSERT INTO mail_template_overrides (name, text_body, html_body) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET text_body = EXCLUDED.text_body, html_body = EXCLUDED.html_body, updated_at = now()`,
    [row.name, row.text_body, row.html_body],
  );
}

export async function deleteMailTemplateOverrideByName(db: Queryable, name: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM mail_template_overrides WHERE name = $1', [name]);
  return (rowCount ?? 0) > 0;
}
