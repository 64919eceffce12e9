"""The platform's first audit log (django-auditlog, report entries only) is retired: the
audit trail is this app's. Its table is kept as an archive where it exists, without the
foreign keys that would stop a user from being removed."""

from django.db import migrations

DETACH = """
DO $$
DECLARE c record;
BEGIN
    IF to_regclass('auditlog_logentry') IS NOT NULL THEN
        FOR c IN SELECT conname FROM pg_constraint
                 WHERE conrelid = 'auditlog_logentry'::regclass AND contype = 'f' LOOP
            EXECUTE format('ALTER TABLE auditlog_logentry DROP CONSTRAINT %I', c.conname);
        END LOOP;
    END IF;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunSQL(DETACH, migrations.RunSQL.noop)]
