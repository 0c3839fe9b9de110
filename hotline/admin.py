"""Admin: import profiles are edited here; files are uploaded from the import runs list, and
each run shows its progress, counts and a CSV of its rejected rows. Runs and rejected rows are
read-only (hotline.services writes them)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline import selectors, services, tasks
from hotline.forms import UploadForm
from hotline.mapping import FIELDS
from hotline.models import ImportNote, ImportProfile, ImportRejection, ImportRun, RunStatus

# Files up to this size import during the request; larger ones go to the huey worker.
DEFAULT_INLINE_MAX_BYTES = 2 * 1024 * 1024
UTF8_BOM = "\ufeff"  # so Excel opens the rejected-rows CSV as UTF-8


def inline_max_bytes() -> int:
    return int(getattr(settings, "HOTLINE_IMPORT_INLINE_MAX_BYTES", DEFAULT_INLINE_MAX_BYTES))


@admin.register(ImportProfile)
class ImportProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "source", "crs", "timezone", "updated_at")
    search_fields = ("name", "description")
    fields = (
        "name",
        "description",
        "source",
        "columns",
        "value_maps",
        "date_formats",
        "timezone",
        "crs",
        "delimiter",
        "sheet",
        "known_fields",
    )
    readonly_fields = ("known_fields",)

    @admin.display(description=gettext_lazy("Our fields and their usual headers"))
    def known_fields(self, obj=None) -> str:
        rows = format_html_join(
            "",
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            ((name, " / ".join(spec.headers[1:])) for name, spec in FIELDS.items()),
        )
        return format_html("<table>{}</table>", rows)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    change_list_template = "admin/hotline/importrun/change_list.html"
    change_form_template = "admin/hotline/importrun/change_form.html"
    list_display = (
        "created_at",
        "file_name",
        "mode",
        "status",
        "dry_run",
        "rows",
        "created",
        "duplicates",
        "skipped",
        "rejected",
    )
    list_filter = ("mode", "status", "source", "dry_run")
    search_fields = ("file_name",)
    list_select_related = ("profile", "created_by")
    fields = (
        "file_name",
        "mode",
        "source",
        "profile",
        "dry_run",
        "status",
        "progress",
        "total_rows",
        "rows",
        "created",
        "duplicates",
        "skipped",
        "rejected",
        "rejected_rows",
        "cut_rows",
        "error",
        "started_at",
        "finished_at",
        "created_by",
    )
    readonly_fields = fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, obj: ImportRun) -> str:
        summary = services.summary(obj)
        if obj.status == RunStatus.RUNNING:
            if obj.total_rows:
                return format_html(
                    '<progress value="{}" max="{}" style="width: 20em"></progress> {} ({})',
                    min(obj.processed, obj.total_rows),
                    obj.total_rows,
                    _("%(n)d of about %(total)d rows")
                    % {"n": obj.processed, "total": obj.total_rows},
                    _("this page refreshes itself"),
                )
            return format_html(
                '<progress style="width: 20em"></progress> {} ({})',
                _("%(n)d rows so far") % {"n": obj.processed},
                _("this page refreshes itself"),
            )
        return summary

    @admin.display(description=gettext_lazy("rejected rows"))
    def rejected_rows(self, obj: ImportRun) -> str:
        if not obj.rejected:
            return "-"
        url = reverse("admin:hotline_importrun_rejections", args=[obj.pk])
        listing = reverse("admin:hotline_importrejection_changelist") + f"?run__id__exact={obj.pk}"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            url,
            _("download CSV (%(n)d rows)") % {"n": obj.rejected},
            listing,
            _("list"),
        )

    @admin.display(description=gettext_lazy("rows with a field cut"))
    def cut_rows(self, obj: ImportRun) -> str:
        if not obj.cut:
            return "-"
        listing = reverse("admin:hotline_importnote_changelist") + f"?run__id__exact={obj.pk}"
        return format_html(
            '<a href="{}">{}</a>', listing, _("%(n)d rows, with their full texts") % {"n": obj.cut}
        )

    # --- extra views ------------------------------------------------------------------------------
    def get_urls(self):
        own = [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="hotline_importrun_upload",
            ),
            path(
                "<int:pk>/rejections.csv",
                self.admin_site.admin_view(self.rejections_view),
                name="hotline_importrun_rejections",
            ),
        ]
        return own + super().get_urls()

    def upload_view(self, request):
        if not request.user.has_perm("hotline.add_importrun"):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            run = services.create_run(
                file_name=upload.name,
                source=data["source"],
                profile=data["profile"],
                historical=data["historical"],
                dry_run=data["dry_run"],
                actor=request.user,
                upload=upload,
            )
            if upload.size <= inline_max_bytes():
                services.run_import(run.pk)
                run.refresh_from_db()
                level = messages.ERROR if run.status == RunStatus.FAILED else messages.SUCCESS
                messages.add_message(request, level, services.summary(run))
            else:
                tasks.import_run(run.pk)
                messages.info(
                    request,
                    _("%(name)s is queued for import; this page shows its progress.")
                    % {"name": run.file_name},
                )
            return HttpResponseRedirect(reverse("admin:hotline_importrun_change", args=[run.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Import a hotline file"),
        }
        return TemplateResponse(request, "admin/hotline/importrun/upload.html", context)

    def rejections_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(ImportRun, pk=pk)

        def lines():
            import csv
            import io

            buffer = io.StringIO()
            writer = csv.writer(buffer)
            yield UTF8_BOM
            for row in selectors.rejections_csv_rows(run):
                writer.writerow(row)
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-rejected.csv"'
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        extra = {
            "refresh": run is not None and run.status in (RunStatus.PENDING, RunStatus.RUNNING)
        }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})


@admin.register(ImportRejection)
class ImportRejectionAdmin(ReadOnlyAdmin):
    list_display = ("run", "line", "external_id", "reason")
    list_filter = ("run",)
    search_fields = ("external_id", "reason")
    list_select_related = ("run",)
    fields = ("run", "line", "external_id", "reason", "values")
    readonly_fields = fields


@admin.register(ImportNote)
class ImportNoteAdmin(ReadOnlyAdmin):
    list_display = ("run", "line", "external_id", "cut_fields")
    list_filter = ("run",)
    search_fields = ("external_id",)
    list_select_related = ("run",)
    fields = ("run", "line", "external_id", "fields")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("fields cut"))
    def cut_fields(self, obj: ImportNote) -> str:
        return ", ".join(f"{name} {f['length']} → {f['kept']}" for name, f in obj.fields.items())
