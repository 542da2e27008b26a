-- An address a user asked to change to, waiting for the code mailed to it. The current address stays in
-- force until the new one is proven; asking again replaces the pending one.
CREATE TABLE pending_email_changes (
  user_id           uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  email             text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  email_normalized  text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);
