#!/bin/sh
# Koopsuz: back up the PostGIS database (every municipality's schema) with pg_dump, keeping the last N dumps.
#
# Usage:  backup.sh [DATABASE]
#   DATABASE             a libpq address, postgresql://USER[:PASSWORD]@HOST:PORT/DB (default: $KOOPSUZ_DATABASE)
#   KOOPSUZ_BACKUP_DIR   where the dumps go (default /var/backups/koopsuz)
#   KOOPSUZ_BACKUP_KEEP  how many dumps are kept, newest first (default 14)
#   PG_BIN               folder of pg_dump and pg_restore (default: the ones on PATH)
#
# Each run writes DIR/koopsuz-YYYYMMDD-HHMMSS.dump (pg_dump's custom format, compressed), checks that
# pg_restore can read it, and only then deletes the oldest dumps beyond KEEP: a failed run never costs a good
# backup. The dump holds police records: it is readable by its owner only.
#
# Restore (docs/deploy.md, "Restore drill"), as the postgres user, into a new database first (the dump
# creates PostGIS there and gives every schema and table back to its owner, the koopsuz role):
#   createdb koopsuz_restored
#   pg_restore --exit-on-error -d koopsuz_restored DIR/koopsuz-YYYYMMDD-HHMMSS.dump
# check it, then rename the databases with the replicas stopped (docs/deploy.md).
#
# tests/test_replicas.py runs this script against a throwaway cluster and restores its dump.
set -eu

db="${1:-${KOOPSUZ_DATABASE:-}}"
if [ -z "$db" ]; then
    echo "backup.sh: no database: pass its address or set KOOPSUZ_DATABASE" >&2
    exit 2
fi
# The app's address may name SQLAlchemy's driver; libpq knows only postgresql://
db=$(printf '%s' "$db" | sed 's#^postgresql+psycopg://#postgresql://#; s#^postgres://#postgresql://#')
dir="${KOOPSUZ_BACKUP_DIR:-/var/backups/koopsuz}"
keep="${KOOPSUZ_BACKUP_KEEP:-14}"
case "$keep" in
    ''|*[!0-9]*|0) echo "backup.sh: KOOPSUZ_BACKUP_KEEP must be a whole number of at least 1" >&2; exit 2 ;;
esac
bin="${PG_BIN:+$PG_BIN/}"

umask 077
mkdir -p "$dir"
stamp=$(date -u +%Y%m%d-%H%M%S)
out="$dir/koopsuz-$stamp.dump"
part="$out.partial"
trap 'rm -f "$part"' EXIT INT TERM

# --no-password: never wait for a password at a prompt (it comes from the address or ~/.pgpass)
"${bin}pg_dump" --format=custom --compress=6 --no-password --file="$part" "$db"
"${bin}pg_restore" --list "$part" >/dev/null
mv "$part" "$out"
trap - EXIT INT TERM

# Keep the newest $keep dumps (the names sort by date).
ls -1 "$dir"/koopsuz-*.dump | sort | head -n "-$keep" | while read -r old; do
    rm -f -- "$old"
done
echo "$out"
