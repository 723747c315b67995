"""The one way an uploaded file (evidence, a certificate, minutes, a receipt) goes back to a browser.

Uploads are user content: the answer never lets the browser guess the type, never runs scripts
(a sandboxing CSP), and is cached only privately. Images and PDFs open inline; anything else
downloads."""

import mimetypes

from django.http import HttpResponse
from django.utils.http import content_disposition_header


def file_response(data: bytes, name: str, content_type: str | None = None, inline: bool | None = None) -> HttpResponse:
    content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    if inline is None:
        inline = content_type.startswith("image/") or content_type == "application/pdf"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response
