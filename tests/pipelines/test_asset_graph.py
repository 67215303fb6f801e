"""A snapshot of the asset graph: keys, groups, owners, dependencies and checks. A change to the lineage
shows up here, in review; when it is meant, regenerate the snapshot:

    ARREARS_UPDATE_SNAPSHOT=1 .venv/bin/python -m pytest tests/pipelines/test_asset_graph.py
"""

import json
import os
from pathlib import Path

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def _mapping(node, parent) -> str | None:
    """How the asset reads the months of a partitioned parent (None: the parent is not partitioned)."""
    import dagster as dg

    m = node.assets_def.get_partition_mapping_for_dep(parent)
    if isinstance(m, dg.TimeWindowPartitionMapping):
        return f"months m{m.start_offset:+d} … m{m.end_offset:+d}"
    return type(m).__name__ if m is not None else None


def asset_graph() -> dict:
    import dagster as dg

    from pipelines.definitions import build_definitions

    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    out = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        out[key.to_user_string()] = {
            "group": node.group_name,
            "owners": sorted(node.owners),
            "deps": sorted(p.to_user_string() for p in node.parent_keys),
            "checks": sorted(c.name for c in graph.get_check_keys_for_assets({key})),
            "blocking checks": sorted(c.name for c in graph.get_check_keys_for_assets({key})
                                      if graph.get_check_spec(c).blocking),
            "partitions": "reporting months" if node.is_partitioned else None,
            "single-run backfill": node.backfill_policy == dg.BackfillPolicy.single_run() if node.is_partitioned else None,
            "reads months": {p.to_user_string(): _mapping(node, p) for p in sorted(node.parent_keys)
                             if graph.get(p).is_partitioned and not node.is_external} or None,
        }
    return out


def test_asset_graph_matches_the_snapshot():
    graph = asset_graph()
    if os.environ.get("ARREARS_UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(graph, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert graph == json.loads(SNAPSHOT.read_text(encoding="utf-8"))
