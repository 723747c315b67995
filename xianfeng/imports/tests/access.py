from django.core.files.base import ContentFile
from django.utils import timezone

from xianfeng.core.tests.access import object_maker
from xianfeng.core.tests.factories import UserFactory
from xianfeng.imports.models import ImportJob


@object_maker(ImportJob)
def import_job(world, inside: bool):
    org = world.group_a if inside else world.branch_b
    job = ImportJob(
        spec_key="regions",
        original_name=f"{'inside' if inside else 'outside'}-regions.csv",
        created_by=UserFactory(org=org),
        org_path=org.path,
        status=ImportJob.Status.VALIDATED,
        created_at=timezone.now(),
        issues=[{"row": 2, "column": "区划代码", "message": "必填", "value": ""}],
        error_count=1,
    )
    job.file.save(job.original_name, ContentFile("区划代码,名称\n,无代码村\n".encode()), save=False)
    job.save()
    return job
