"""Fixtures for the data_tools tests: a tiny LeCaRD v1 in the shared and in the upstream layout, and
the location of the real data (``../shared/data`` beside the repository) for the slow tests.

The tiny LeCaRD has queries 5156, -991 and 3 and candidates 101–106:

* 5156 (危险驾驶罪): labels 101→3, 102→1; pool 101, 102, 106; run 102, 101, 106
* -991 (毒品, 容留他人吸毒罪): labels 103→2, 104→0; pool 103, 104, 106; run 103, 104, 106
* 3 (盗窃罪): labels 105→3; pool 105, 106; run 105, 106
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

QUERIES = [
    {
        "path": "a/1.json",
        "ridx": 5156,
        "q": "2018年1月15日14时10分许，被告人莫某酒后驾驶小型轿车。",
        "crime": ["危险驾驶罪"],
    },
    {
        "path": "a/2.json",
        "ridx": -991,
        "q": "被告人张某在其住处贩卖甲基苯丙胺，并容留他人吸食毒品。",
        "crime": ["走私、贩卖、运输、制造毒品罪", "容留他人吸毒罪"],
    },
    {"path": "a/3.json", "ridx": 3, "q": "被告人李某秘密窃取他人电动车一辆。", "crime": ["盗窃罪"]},
]
LABELS = {"5156": {"101": 3, "102": 1}, "-991": {"103": 2, "104": 0}, "3": {"105": 3}}
POOLS = {"5156": [101, 102, 106], "-991": [103, 104, 106], "3": [105, 106]}
RUN = {"5156": [102, 101, 106], "-991": [103, 104, 106], "3": [105, 106]}
GOLDEN = {"5156": [101], "-991": [], "3": [105]}

_DOCS = {  # cid: (charge sentence, citation, court, case number)
    101: (
        "危险驾驶罪",
        "第一百三十三条之一第一款第（二）项、第六十七条第三款",
        "湖南省长沙市天心区人民法院",
        "（2018）湘0103刑初478号",
    ),
    102: (
        "危险驾驶罪",
        "第一百三十三条之一、第五十二条",
        "江西省南昌市青山湖区人民法院",
        "（2017）赣0111刑初12号",
    ),
    103: (
        "贩卖毒品罪",
        "第三百四十七条第一款、第四款、第六十七条第三款",
        "广东省广州市番禺区人民法院",
        "（2017）粤0113刑初725号",
    ),
    104: (
        "容留他人吸毒罪",
        "第三百五十四条、第五十二条",
        "广东省广州市番禺区人民法院",
        "（2016）粤0113刑初9号",
    ),
    105: ("盗窃罪", "第二百六十四条、第六十四条", "浙江省温州市瓯海区人民法院", "（2018）浙0304刑初87号"),
    106: ("故意伤害罪", "第二百三十四条第一款", "河南省平舆县人民法院", "（2014）平刑初字第311号"),
}


def candidate(cid: int) -> dict[str, Any]:
    """A candidate judgment in LeCaRD's format (fields as upstream, plus ``cid``)."""
    charge, citation, court, number = _DOCS[cid]
    facts = f" 经审理查明，被告人王某{cid}实施了犯罪行为。"
    reasoning = f"本院认为，被告人王某{cid}的行为已构成{charge}。依照《中华人民共和国刑法》{citation}之规定，判决如下："
    result = f" 被告人王某{cid}犯{charge}，判处有期徒刑六个月。"
    return {
        "cid": cid,
        "ajId": f"id-{cid}",
        "ajName": f"王某{cid}{charge[:-1]}一案",
        "ajjbqk": facts,
        "cpfxgc": reasoning,
        "pjjg": result,
        "qw": f"{court} 刑事判决书 {number} 公诉机关某人民检察院。{facts}{reasoning}{result}",
        "writId": f"w{cid}",
        "writName": f"王某{cid}{charge[:-1]}一审刑事判决书",
    }


def json_line(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False) + "\n"


def write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")


def write_lecard(root: Path, candidates: str = "candidates.jsonl.gz") -> Path:
    """The tiny LeCaRD in the shared layout; ``candidates`` names the candidates file."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "query.json").write_text("".join(map(json_line, QUERIES)), encoding="utf-8")
    write_json(root / "label_top30_dict.json", LABELS)
    write_json(root / "golden_labels.json", GOLDEN)
    write_json(root / "candidate_pools.json", POOLS)
    write_json(root / "prediction" / "combined_top100.json", RUN)
    (root / "LICENSE.txt").write_text("MIT License\n\nCopyright (c) 2021 myx666\n", encoding="utf-8")
    lines = "".join(json_line(candidate(cid)) for cid in sorted(_DOCS)).encode("utf-8")
    (root / candidates).write_bytes(gzip.compress(lines) if candidates.endswith(".gz") else lines)
    return root


def write_upstream(root: Path) -> Path:
    """The tiny LeCaRD in the upstream repository layout, candidates as one file per (query, doc)."""
    data = root / "data"
    data.mkdir(parents=True)
    (data / "query").mkdir()
    (data / "query" / "query.json").write_text("".join(map(json_line, QUERIES)), encoding="utf-8")
    write_json(data / "label" / "label_top30_dict.json", LABELS)
    write_json(data / "prediction" / "combined_top100.json", RUN)
    for qid, pool in POOLS.items():
        for cid in pool:
            doc = {k: v for k, v in candidate(cid).items() if k != "cid"}
            write_json(data / "candidates" / qid / f"{cid}.json", doc)
    return root


@pytest.fixture
def lecard_root(tmp_path: Path) -> Path:
    return write_lecard(tmp_path / "lecard")


@pytest.fixture
def upstream_root(tmp_path: Path) -> Path:
    return write_upstream(tmp_path / "LeCaRD")


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} not present")
    return SHARED_DATA


@pytest.fixture
def make_lecard() -> Any:
    """``write_lecard`` itself, for tests that vary the layout (test files cannot import conftest
    reliably: other test folders have their own)."""
    return write_lecard


@pytest.fixture
def candidate_doc() -> Any:
    return candidate
