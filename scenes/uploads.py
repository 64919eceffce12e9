"""Uploaded import files: checked on the request, before anything parses them.

The web worker only looks at what is cheap to look at: the size, and the type by the content
(never by the name alone). An XLSX workbook is a zip archive; its central directory says how
many members it has and how large each one is when unpacked, and Python's `zipfile` (which
openpyxl reads it with) never unpacks a member past the size its directory states. So a
workbook that would unpack to more than `MAX_XLSX_UNPACKED_BYTES`, or has more members than a
workbook needs, is refused here, before openpyxl opens it (a "zip bomb"). Everything else,
parsing included, happens in the worker (`scenes.tasks.check_import`).
"""

from __future__ import annotations

import zipfile
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_UPLOAD_MB = 5
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
# A workbook of MAX_ROWS rows unpacks to a few MB; far more than that is refused unread.
MAX_XLSX_UNPACKED_BYTES = 60 * 1024 * 1024
# A workbook written by Excel, LibreOffice or openpyxl has a dozen or two members.
MAX_XLSX_MEMBERS = 200
ZIP_MAGIC = b"PK\x03\x04"


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _not_a_workbook() -> ValidationError:
    return _refuse(
        _("The file is not an XLSX workbook. Save it from Excel as .xlsx, or as CSV."),
        "not_xlsx",
    )


def check_xlsx(content: bytes) -> None:
    """Raise ValidationError unless `content` is a zip archive shaped like a workbook and
    small enough unpacked. Reads only the archive's directory."""
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise _not_a_workbook() from None
    if len(members) > MAX_XLSX_MEMBERS:
        raise _refuse(
            _("The workbook has too many parts (%(count)d) to be a spreadsheet of rows.")
            % {"count": len(members)},
            "too_many_members",
        )
    unpacked = sum(info.file_size for info in members)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise _refuse(
            _(
                "The workbook is too large when unpacked (more than %(limit)d MB). Split it "
                "into smaller files, or save it as CSV."
            )
            % {"limit": MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)},
            "too_large_unpacked",
        )
    names = {info.filename for info in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise _not_a_workbook()


def check_csv(content: bytes) -> None:
    """Raise ValidationError unless `content` reads as text (UTF-8 or Windows-1252) without
    NUL bytes (a binary file, or text in UTF-16). Other control characters are left to the
    rows' own checks, which name the row and the column."""
    not_text = _refuse(
        _("The file is not a CSV file of text. Save it from Excel as CSV or as .xlsx."),
        "not_csv",
    )
    if b"\x00" in content:
        raise not_text
    try:
        content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            content.decode("cp1252")
        except UnicodeDecodeError:
            raise not_text from None


def check_upload(upload) -> tuple[str, bytes]:
    """The type ("csv" or "xlsx") and the bytes of an uploaded file, checked by size and by
    content. Raises ValidationError with a message for the person who sent it."""
    if upload.size is None or upload.size > MAX_UPLOAD_BYTES:
        raise _too_large()
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise _too_large()
    name = (upload.name or "").lower()
    if content.startswith(ZIP_MAGIC):
        if not name.endswith(".xlsx"):
            raise _refuse(
                _("The file is a workbook or an archive, not CSV. Name it .xlsx if it is an "
                  "XLSX workbook."),
                "type_mismatch",
            )  # fmt: skip
        check_xlsx(content)
        return "xlsx", content
    if name.endswith(".xlsx"):
        raise _not_a_workbook()
    check_csv(content)
    return "csv", content


def _too_large() -> ValidationError:
    return _refuse(
        _("The file is larger than %(limit)d MB. Split it into smaller files.")
        % {"limit": MAX_UPLOAD_MB},
        "too_large",
    )


class UploadForm(forms.Form):
    """The upload form of an import: one CSV or XLSX file, checked by `check_upload` (size,
    type by content, zip limits) before anything parses it. `max_rows` is the import's own."""

    max_rows = 5000
    file = forms.FileField(
        label=gettext_lazy("File (CSV or XLSX)"),
        validators=[FileExtensionValidator(["csv", "xlsx"])],
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    file_type: str = ""
    content: bytes = b""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("At most %(size)d MB and %(rows)d rows.") % {
            "size": MAX_UPLOAD_MB,
            "rows": self.max_rows,
        }

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        self.file_type, self.content = check_upload(upload)
        return upload
