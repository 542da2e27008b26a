#!/bin/sh
# `latchkey` inside the container (docker compose exec latchkey latchkey …): the CLI with the environment the
# server starts with, secrets from the compose stack's volume included.
exec with-secrets node /app/bin/latchkey.js "$@"
