"""The database triggers of the audit trail (django-pgtrigger).

- `audited()` on every domain table: each INSERT, UPDATE and DELETE, however it is made,
  becomes an Entry (through the SQL function `ods_audit_change`, created by this app's
  first migration), with the row before and after (for an update, the changed columns) and
  the request's context (`ods.audit`, set by the middleware).
- `append_only()` on the audit tables: UPDATE, DELETE and TRUNCATE are refused.
- `seal_on_commit()` on the entries: a deferred trigger that, when the writing transaction
  commits, appends each new entry to the hash chain (`ods_audit_seal`), one transaction at a
  time, so the chain's order is the order in which entries became visible.
"""

from __future__ import annotations

import pgtrigger

# Parts of a row never copied into the audit trail: secrets, and large derived data whose
# change is recorded by other columns (a report's snapshot has its checksum).
NEVER_COPIED = ("password",)


def audited(*, exclude: tuple[str, ...] = ()) -> pgtrigger.Trigger:
    dropped = ", ".join(f"'{column}'" for column in (*NEVER_COPIED, *exclude))
    return pgtrigger.Trigger(
        name="audit",
        when=pgtrigger.After,
        operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
        func=(
            "PERFORM ods_audit_change(TG_OP, TG_TABLE_NAME, "
            f"CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) - ARRAY[{dropped}] END, "
            f"CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) - ARRAY[{dropped}] END); "
            "RETURN NULL;"
        ),
    )


def append_only(name: str) -> pgtrigger.Trigger:
    return pgtrigger.Trigger(
        name=name,
        when=pgtrigger.Before,
        operation=pgtrigger.Update | pgtrigger.Delete,
        func=(
            "RAISE EXCEPTION 'The audit trail is append-only: % on % is refused.', "
            "TG_OP, TG_TABLE_NAME;"
        ),
    )


def truncate_refused(name: str) -> pgtrigger.Trigger:
    return pgtrigger.Trigger(
        name=name,
        level=pgtrigger.Statement,
        when=pgtrigger.Before,
        operation=pgtrigger.Truncate,
        func="RAISE EXCEPTION 'The audit trail is append-only: TRUNCATE is refused.';",
    )


def seal_on_commit() -> pgtrigger.Trigger:
    return pgtrigger.Trigger(
        name="seal_on_commit",
        when=pgtrigger.After,
        operation=pgtrigger.Insert,
        timing=pgtrigger.Deferred,
        func="PERFORM ods_audit_seal(NEW); RETURN NULL;",
    )


# The SQL functions the triggers call; created by the first migration of this app.
GENESIS = "0" * 64
FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION ods_audit_content(e audit_entry) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT concat_ws(chr(31),
        e.id::text, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        e.kind, e.action, e.object_type, e.object_id, e.object_ids::text, e.scene_ids::text,
        coalesce(e.before::text, ''), coalesce(e.after::text, ''), coalesce(e.data::text, ''),
        coalesce(e.user_id::text, ''), e.username, e.organisation_ids::text, e.organisations,
        coalesce(e.ip::text, ''), e.request_id, e.path)
$$;

CREATE OR REPLACE FUNCTION ods_audit_hash(prev text, e audit_entry) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(prev || chr(30) || ods_audit_content(e), 'UTF8')), 'hex')
$$;

CREATE OR REPLACE FUNCTION ods_audit_seal(e audit_entry) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    -- One committing transaction at a time appends to the chain.
    PERFORM pg_advisory_xact_lock(hashtext('ods_audit_chain'));
    SELECT seq, hash INTO last_seq, last_hash FROM audit_seal ORDER BY seq DESC LIMIT 1;
    last_hash := coalesce(last_hash, '{GENESIS}');
    INSERT INTO audit_seal (seq, entry_id, prev_hash, hash)
    VALUES (coalesce(last_seq, 0) + 1, e.id, last_hash, ods_audit_hash(last_hash, e));
END;
$$;

CREATE OR REPLACE FUNCTION ods_audit_change(op text, tbl text, old_row jsonb, new_row jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    ctx jsonb := coalesce(nullif(current_setting('ods.audit', true), ''), '{{}}')::jsonb;
    before_values jsonb := old_row;
    after_values jsonb := new_row;
BEGIN
    IF op = 'UPDATE' THEN
        SELECT jsonb_object_agg(n.key, old_row -> n.key), jsonb_object_agg(n.key, n.value)
        INTO before_values, after_values
        FROM jsonb_each(new_row) AS n
        WHERE old_row -> n.key IS DISTINCT FROM n.value;
        IF after_values IS NULL THEN
            RETURN;  -- nothing changed
        END IF;
    END IF;
    INSERT INTO audit_entry (
        at, kind, action, object_type, object_id, object_ids, scene_ids, before, after,
        user_id, username, organisation_ids, organisations, ip, request_id, path)
    VALUES (
        clock_timestamp(), 'change', lower(op), tbl,
        coalesce(new_row ->> 'id', old_row ->> 'id', ''), '{{}}', '{{}}',
        before_values, after_values,
        (ctx ->> 'user_id')::bigint, coalesce(ctx ->> 'username', ''),
        coalesce((SELECT array_agg(v::bigint) FROM jsonb_array_elements_text(
            ctx -> 'organisation_ids') AS v), '{{}}'),
        coalesce(ctx ->> 'organisations', ''), (ctx ->> 'ip')::inet,
        coalesce(ctx ->> 'request_id', ''), left(coalesce(ctx ->> 'path', ''), 500));
END;
$$;

-- For tables without a model of their own (many-to-many links): the same record.
CREATE OR REPLACE FUNCTION ods_audit_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ods_audit_change(TG_OP, TG_TABLE_NAME,
        CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END,
        CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END);
    RETURN NULL;
END;
$$;
"""  # noqa: S608 (constant SQL)


def audit_link_tables(*tables: str) -> str:
    """SQL putting the audit trigger on many-to-many link tables."""
    return "\n".join(
        f"CREATE TRIGGER ods_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION ods_audit_link();"
        for table in tables
    )


def drop_audit_link_tables(*tables: str) -> str:
    return "\n".join(f"DROP TRIGGER IF EXISTS ods_audit ON {table};" for table in tables)


DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS ods_audit_link();
DROP FUNCTION IF EXISTS ods_audit_change(text, text, jsonb, jsonb);
DROP FUNCTION IF EXISTS ods_audit_seal(audit_entry);
DROP FUNCTION IF EXISTS ods_audit_hash(text, audit_entry);
DROP FUNCTION IF EXISTS ods_audit_content(audit_entry);
"""
