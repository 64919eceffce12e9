"""One archive holding the database and the report files as they were at one instant.

`take()` opens a REPEATABLE READ transaction, exports its snapshot and runs `pg_dump
--snapshot` on it, so the dump and the list of finished reports read in that transaction see
the same instant. It then copies exactly those reports' files into the archive, checking each
one against the SHA-256 the database holds. A file written later belongs to a report the dump
does not have yet; a report the dump calls done always has its file, because the file is
written before the report is marked done.

`restore()` checks every file in the archive against its manifest, empties the database's
`public` schema (extension objects such as PostGIS stay), runs `pg_restore` in one
transaction, puts the report files back (files the archive does not have are moved aside,
never deleted) and then verifies every finished report's file.

The archive is a plain tar: `manifest.json`, `database.dump` (pg_dump custom format) and
`reports/` (paths as on the report storage).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from django.db import connections

FORMAT = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
REPORTS = "reports"


class BackupError(Exception):
    pass


def _conninfo(alias: str = "default") -> tuple[str, dict[str, str]]:
    """A libpq connection string for the configured database, and the environment that
    carries its password (never on a command line)."""
    s = connections[alias].settings_dict
    parts = {
        "dbname": s["NAME"],
        "user": s.get("USER") or "",
        "host": s.get("HOST") or "",
        "port": str(s.get("PORT") or ""),
    }
    conninfo = psycopg.conninfo.make_conninfo(**{k: v for k, v in parts.items() if v})
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    return conninfo, env


def _storage_root() -> Path:
    from situation_reports.storage import report_storage

    try:
        return Path(report_storage().path(""))
    except NotImplementedError as error:
        raise BackupError(
            "The report storage is not a local directory; back it up with its own tools "
            "(see README, 'Säkerhetskopiering och återställning')."
        ) from error


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client-15).")
    return path


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    # The arguments are the platform's own: tool, options, temporary paths, the conninfo.
    command = [_tool(command[0]), *command[1:]]
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        name = Path(command[0]).name
        raise BackupError(f"{name} failed: {result.stderr.strip()[-2000:]}")
    return result


@dataclass
class Outcome:
    path: Path | None = None
    reports: int = 0
    problems: list[str] = field(default_factory=list)


DONE_REPORTS = (
    "SELECT id, file, sha256 FROM situation_reports_report "
    "WHERE status = 'done' AND file <> '' ORDER BY id"
)


def take(directory: Path) -> Outcome:
    """Write a consistent archive into `directory`; returns where, and any report whose file
    was missing or did not match its checksum (the archive is written all the same)."""
    directory.mkdir(parents=True, exist_ok=True)
    root = _storage_root()
    conninfo, env = _conninfo()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = directory / f"ods-backup-{stamp}.tar"
    outcome = Outcome(path=target)
    with tempfile.TemporaryDirectory(prefix="ods-backup-", dir=directory) as work:
        dump = Path(work) / DUMP
        with psycopg.connect(conninfo, autocommit=False) as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
            server_version = conn.execute("SHOW server_version").fetchone()[0]
            database = conn.execute("SELECT current_database()").fetchone()[0]
            reports = conn.execute(DONE_REPORTS).fetchall()
            # The exporting transaction stays open until pg_dump is done with the snapshot.
            _run(
                ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}",
                 "--no-owner", "--no-privileges", conninfo],
                env,
            )  # fmt: skip
            conn.rollback()
        files = []
        for report_id, name, expected in reports:
            path = root / name
            if not path.is_file():
                outcome.problems.append(f"report {report_id}: file {name} is missing")
                continue
            actual = _sha256_of(path)
            if actual != expected:
                outcome.problems.append(f"report {report_id}: {name} does not match its SHA-256")
            files.append({"report": report_id, "name": name, "sha256": actual})
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "database": database,
            "server_version": server_version,
            "reports": files,
            "problems": outcome.problems,
        }
        partial = target.with_name(target.name + ".part")
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=DUMP)
            for entry in files:
                tar.add(root / entry["name"], arcname=f"{REPORTS}/{entry['name']}")
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
    outcome.reports = len(files)
    return outcome


def read_manifest(archive: Path) -> dict:
    with tarfile.open(archive, "r") as tar:
        manifest = json.load(tar.extractfile(MANIFEST))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not an archive this version can restore.")
    return manifest


# Everything in `public` that is not part of an extension (PostGIS stays as it is): tables,
# views and free-standing sequences (those of a column go with their table), then functions
# (trigger functions of the audit log), then types.
_USER_OBJECTS = """
SELECT 'DROP ' || CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
       WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END
       || ' IF EXISTS ' || format('%I.%I', n.nspname, c.relname) || ' CASCADE'
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                   AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
UNION ALL
SELECT 'DROP ROUTINE IF EXISTS ' || p.oid::regprocedure::text || ' CASCADE'
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                   AND d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT 'DROP TYPE IF EXISTS ' || format('%I.%I', n.nspname, t.typname) || ' CASCADE'
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname = 'public' AND t.typtype IN ('c', 'd', 'e') AND t.typrelid = 0
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                   AND d.objid = t.oid AND d.deptype = 'e')
"""


def _empty_public_schema(conninfo: str) -> None:
    with psycopg.connect(conninfo, autocommit=False) as conn:
        statements = [row[0] for row in conn.execute(_USER_OBJECTS)]
        for statement in statements:
            conn.execute(statement)
        conn.commit()


def verify(root: Path | None = None) -> tuple[int, list[str]]:
    """(finished reports, problems): every finished report's file present with its SHA-256."""
    root = root or _storage_root()
    conninfo, _env = _conninfo()
    problems = []
    with psycopg.connect(conninfo) as conn:
        reports = conn.execute(DONE_REPORTS).fetchall()
    for report_id, name, expected in reports:
        path = root / name
        if not path.is_file():
            problems.append(f"report {report_id}: file {name} is missing")
        elif _sha256_of(path) != expected:
            problems.append(f"report {report_id}: {name} does not match its SHA-256")
    return len(reports), problems


def restore(archive: Path) -> Outcome:
    """Replace the database and the report files with the archive's. Stop the web, worker
    and beat processes first."""
    manifest = read_manifest(archive)
    root = _storage_root()
    conninfo, env = _conninfo()
    expected = {f"{REPORTS}/{entry['name']}": entry["sha256"] for entry in manifest["reports"]}
    connections.close_all()
    with tempfile.TemporaryDirectory(prefix="ods-restore-") as work:
        work_path = Path(work)
        with tarfile.open(archive, "r") as tar:
            tar.extractall(work_path, filter="data")
        for member, digest in expected.items():
            path = work_path / member
            if not path.is_file() or _sha256_of(path) != digest:
                raise BackupError(f"The archive is damaged ({member}); nothing was changed.")
        listing = _run(["pg_restore", "--list", str(work_path / DUMP)], env)
        # Extensions (PostGIS) already exist in the target database and need a superuser to
        # create or drop: leave them out.
        kept = [line for line in listing.stdout.splitlines() if " EXTENSION " not in line]
        (work_path / "restore.list").write_text("\n".join(kept) + "\n")
        _empty_public_schema(conninfo)
        _run(
            ["pg_restore", "--single-transaction", "--exit-on-error", "--no-owner",
             "--no-privileges", f"--use-list={work_path / 'restore.list'}",
             f"--dbname={conninfo}", str(work_path / DUMP)],
            env,
        )  # fmt: skip
        # Report files: the archive's go in (each whole: written beside, then renamed);
        # anything else already there is moved aside, never deleted.
        root.mkdir(parents=True, exist_ok=True)
        wanted = {entry["name"] for entry in manifest["reports"]}
        aside = root / f".before-restore-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if relative.parts[0].startswith(".") or not path.is_file():
                continue
            if relative.as_posix() not in wanted:
                (aside / relative).parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, aside / relative)
        for name in sorted(wanted):
            source = work_path / REPORTS / name
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.restore")
            shutil.copyfile(source, partial)
            os.replace(partial, target)
    count, problems = verify(root)
    return Outcome(path=archive, reports=count, problems=problems)
