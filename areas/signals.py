"""Keep the in-process point -> grid index in step with the grid table."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from areas.models import UnitGrid


@receiver(post_save, sender=UnitGrid)
@receiver(post_delete, sender=UnitGrid)
def _grids_changed(sender, **kwargs) -> None:
    from core.spatial import grid_index

    grid_index.invalidate()
    # Again after commit: a lookup between the save and the commit may have rebuilt the index
    # from the rows other connections could still see.
    transaction.on_commit(grid_index.invalidate)
