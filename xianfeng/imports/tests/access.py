"""Objects for the generated access matrix (see xianfeng/core/tests/access.py).

An import job belongs to the org it was uploaded in; "own" is a job the user under test uploaded
in an org nobody is granted (an uploader always reaches their own jobs).
"""

from django.utils import timezone

from xianfeng.core.tests.access import IN_REGION, LABELS, OWN, object_maker
from xianfeng.core.tests.factories import UserFactory
from xianfeng.imports.models import ImportJob


@object_maker(ImportJob, marker=lambda job: job.original_name)
def import_job(world, relation, user):
    if relation == IN_REGION:  # a job belongs to an org, not to a place
        return None
    org = world.orgs[relation]
    uploader = user if relation == OWN else UserFactory(org=org)
    return ImportJob.objects.create(
        spec_key="regions",
        original_name=f"{LABELS[relation]}导入.csv",
        created_by=uploader,
        org_path=org.path,
        status=ImportJob.Status.VALIDATED,
        created_at=timezone.now(),
        issues=[{"row": 2, "column": "区划代码", "message": "必填", "value": ""}],
        error_count=1,
    )
