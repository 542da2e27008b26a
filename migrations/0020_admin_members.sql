-- The admin group: users who may use the admin API and console. Kept apart from the pool's own groups on
-- purpose: a group an app uses for its roles ("admin" in many apps) must never grant control of Latchkey, and
-- membership here never rides in tokens. `access` is 'admin' (read and write) or 'read' (admin:read).
CREATE TABLE admin_members (
  user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  access      text NOT NULL CHECK (access IN ('admin', 'read')),
  granted_at  timestamptz NOT NULL DEFAULT now()
);
