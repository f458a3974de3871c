"""The MIS import page: upload a file, choose the columns if they cannot be
told from their names, check the preview, confirm. Nothing changes before
the confirmation; the file waits in the cache under a one-time token."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from consent import importer, services
from consent.import_forms import ImportColumnsForm, ImportConfirmForm, ImportUploadForm
from consent.views import ALREADY_SENT, EDITORS
from schoolsocial.access import roles_required

PREVIEW_SECONDS = 3600
SAMPLE_ROWS = 3


def _import_key(request, token: str) -> str:
    return f"consent-import:{request.school.pk}:{request.user.pk}:{token}"


def _stash(
    request, *, data: bytes, filename: str, columns: dict[str, int] | None, chosen: bool = False
) -> str:
    """Keep the file and the columns its preview used (so the import is
    exactly what was previewed), and whether the office chose them."""
    token = uuid.uuid4().hex
    cache.set(
        _import_key(request, token),
        {"data": data, "filename": filename, "columns": columns, "chosen": chosen},
        PREVIEW_SECONDS,
    )
    return token


def _stashed(request, token: str) -> dict | None:
    entry = cache.get(_import_key(request, token))
    return entry if isinstance(entry, dict) else None


def _columns_form(table, *, token: str, columns: dict[str, int], data=None) -> ImportColumnsForm:
    samples = [
        [importer.clean_text(importer.cell_text(c))[0] for c in cells]
        for _, cells in table.rows[:SAMPLE_ROWS]
    ]
    initial = {"token": token, **{name: str(i) for name, i in columns.items()}}
    return ImportColumnsForm(data, initial=initial, header=table.header, samples=samples)


def _show_preview(request, context, *, preview, data, filename, table) -> None:
    token = _stash(
        request,
        data=data,
        filename=filename,
        columns=preview.column_indexes,
        chosen=preview.columns_from == "chosen",
    )
    context.update(
        preview=preview,
        filename=filename,
        confirm=ImportConfirmForm(initial={"token": token}),
        columns_form=_columns_form(table, token=token, columns=preview.column_indexes),
    )


@roles_required(*EDITORS)
def pupil_import(request):
    context = {
        "headers": importer.HEADERS,
        "labels": importer.CAPITALISED,
        "examples": importer.MIS_EXAMPLES,
    }
    upload_form = ImportUploadForm()
    if request.method == "POST" and request.POST.get("action") == "columns":
        entry = _stashed(request, request.POST.get("token", ""))
        if entry is None:
            messages.error(request, gettext("The preview has expired. Upload the file again."))
            return redirect("consent:pupil_import")
        try:
            table, _ = importer.read(school=request.school, data=entry["data"])
        except importer.ImportFileError as error:
            messages.error(request, str(error))
            return redirect("consent:pupil_import")
        form = _columns_form(
            table, token=request.POST.get("token", ""), columns={}, data=request.POST
        )
        if form.is_valid():
            columns = form.cleaned_data["columns"]
            try:
                preview = importer.build_preview(
                    school=request.school, data=entry["data"], columns=columns, table=table
                )
            except importer.ImportFileError as error:
                form.add_error(None, str(error))
            else:
                _show_preview(
                    request,
                    context,
                    preview=preview,
                    data=entry["data"],
                    filename=entry["filename"],
                    table=table,
                )
        if "preview" not in context:
            context.update(columns_form=form, filename=entry["filename"], choose_columns=True)
    elif request.method == "POST" and "token" in request.POST:
        confirm = ImportConfirmForm(request.POST)
        if confirm.is_valid():
            entry = _stashed(request, confirm.cleaned_data["token"])
            if entry is None:
                messages.error(request, gettext("The preview has expired. Upload the file again."))
                return redirect("consent:pupil_import")
            if not confirm.claim(request):
                messages.info(request, ALREADY_SENT)
                return redirect("consent:pupils")
            try:
                preview = services.pupil_import(
                    school=request.school,
                    data=entry["data"],
                    imported_by=request.member,
                    mark_omitted_left=confirm.cleaned_data["mark_omitted_left"],
                    columns=entry["columns"],
                    remember_columns=entry.get("chosen", False),
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect("consent:pupil_import")
            cache.delete(_import_key(request, confirm.cleaned_data["token"]))
            counts = preview.counts
            numbers = {
                "added": counts["create"],
                "updated": counts["update"],
                "unchanged": counts["unchanged"],
                "left": len(preview.omitted),
            }
            messages.success(
                request,
                (
                    gettext(
                        "Import complete: %(added)s added, %(updated)s updated, "
                        "%(unchanged)s unchanged, %(left)s marked as leavers."
                    )
                    if confirm.cleaned_data["mark_omitted_left"]
                    else gettext(
                        "Import complete: %(added)s added, %(updated)s updated, "
                        "%(unchanged)s unchanged."
                    )
                )
                % numbers,
            )
            return redirect("consent:pupils")
    elif request.method == "POST":
        upload_form = ImportUploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            upload = upload_form.cleaned_data["file"]
            data = upload.read(importer.MAX_BYTES + 1)
            filename = upload.name or gettext("the file")
            try:
                table, _ = importer.read(school=request.school, data=data)
                preview = importer.build_preview(school=request.school, data=data, table=table)
            except importer.ColumnsNeeded as needed:
                token = _stash(request, data=data, filename=filename, columns=None)
                context.update(
                    columns_message=str(needed),
                    columns_form=_columns_form(needed.table, token=token, columns=needed.columns),
                    filename=filename,
                    choose_columns=True,
                )
            except importer.ImportFileError as error:
                upload_form.add_error("file", str(error))
            else:
                _show_preview(
                    request,
                    context,
                    preview=preview,
                    data=data,
                    filename=filename,
                    table=table,
                )
    context["form"] = upload_form
    return render(request, "consent/import.html", context)
