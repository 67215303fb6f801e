"""A snapshot of the asset graph: keys, groups, owners, dependencies and checks. A change to the lineage
shows up here, in review; when it is meant, regenerate the snapshot:

    ARREARS_UPDATE_SNAPSHOT=1 .venv/bin/python -m pytest tests/pipelines/test_asset_graph.py
"""

import json
import os
from pathlib import Path

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def asset_graph() -> dict:
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
        }
    return out


def test_asset_graph_matches_the_snapshot():
    graph = asset_graph()
    if os.environ.get("ARREARS_UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(graph, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert graph == json.loads(SNAPSHOT.read_text(encoding="utf-8"))
