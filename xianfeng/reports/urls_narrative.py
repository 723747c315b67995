from django.urls import path

from . import views_narrative, views_templates

# The Word download ends in "export" (access table 表四: 导出); every template address carries
# the word "template" (修改: administrators only).
urlpatterns = [
    path("", views_narrative.NarrativeView.as_view(), name="narrative"),
    path("export/", views_narrative.NarrativeDocxView.as_view(), name="narrative_docx"),
    path("template/", views_templates.TemplateListView.as_view(), name="templates"),
    path("template/new/", views_templates.TemplateNewView.as_view(), name="template_new"),
    path("template/<int:pk>/", views_templates.TemplateEditView.as_view(), name="template_edit"),
]
