from django.urls import path

from . import views_table

# The download's address ends in "export.xlsx": the access table (表四) reads 导出 from that word.
urlpatterns = [
    path("", views_table.TableView.as_view(), name="table"),
    path("export.xlsx", views_table.TableXlsxView.as_view(), name="table_xlsx"),
]
