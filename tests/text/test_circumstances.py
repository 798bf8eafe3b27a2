"""Sentencing-circumstance extraction, on sentences copied verbatim from LeCaRD facts (q / ajjbqk)."""

from __future__ import annotations

import json

import pytest

from lcr.text.circumstances import (
    FLAGS,
    INJURY_GRADES,
    Circumstances,
    amount_bracket,
    circumstance_similarity,
    extract_circumstances,
    sentence_flags,
    shared_labels,
)

# (sentence, expected flags): every flag is asserted at least once, and its cues are denied elsewhere
SENTENCES: list[tuple[str, set[str]]] = [
    # surrender / confession
    (
        "案发后，被告人彭某经电话通知主动到诸暨市公安局投案，并如实供述了主要犯罪事实。",
        {"surrender", "confession"},
    ),
    ("2014年5月7日，被告人谭德余代表被告单位湘坪公司向长沙市公安局直属分局投案。", {"surrender"}),
    ("3、其归案后如实供述自己的罪行，认罪态度好，且系初犯。", {"confession"}),
    ("再次，被告人周寿文具有坦白、积极退赃、认罪态度较好的情节。", {"confession", "restitution"}),
    ("五、书证 （一）抓获经过，证实四被告人的归案经过，均没有自首情节。", set()),
    (
        "被告人马学菊虽不具有自首情节，但是如实供述自己的罪行，根据《中华人民共和国刑法》第六十七条第三款的规定，可以从轻处罚。",
        {"confession"},
    ),
    # the denied verdict 不构成自首 overrules the earlier 自动投案
    ("被告人万顺城虽自动投案，但在第一次接受公安机关讯问时未如实供述自己的罪行，不构成自首；", set()),
    (
        "何华章没有自动投案，但如实交代办案机关未掌握的罪行，以自首论，可以从轻或者减轻处罚。",
        {"surrender", "confession"},
    ),
    ("（5）孙某某当庭对部分事实予以翻供，不构成坦白。", set()),
    (
        "被告人王X在归案后，为逃避法律追究，未能如实供述殴打被害人肋部的行为，且拒不供述被告人李XX殴打被害人的行为。",
        set(),
    ),
    # recidivism / prior record
    ("赵给安在刑罚执行完毕后五年内再犯应当判处有期徒刑以上刑罚之罪，系累犯，应当从重处罚。", {"recidivism"}),
    ("其于2010年2月刑满释放，本次重新犯罪已超过五年，不属于累犯。", {"prior_record"}),
    (
        "（4）、行政处罚决定书证实：被告人熊伟曾因吸毒于2012年4月18日被广德县公安局行政拘留十五日；",
        {"prior_record"},
    ),
    ("被告人张高伟因吸毒曾被行政处罚。", {"prior_record"}),
    ("2、被告人李超系初犯，无前科劣迹。", set()),
    ("2、户籍和前科材料，在前述第一件案件事实证据中。", set()),
    # attempt: the cause before 而 (无法勃起) does not negate 未得逞
    ("后被告人姚兴军因阴茎无法勃起而未得逞。", {"attempt"}),
    ("犯罪时，因意志以外的原因未得逞，系犯罪未遂", {"attempt"}),
    ("上诉人陈列能长期购销假药，持续进行销售假药的犯罪行为，不能认定为犯罪未遂。", set()),
    # accomplice / principal
    ("被告人李建在共同犯罪中起次要作用，系从犯；", {"accomplice"}),
    ("本案系共同犯罪，上诉人犹联美系主犯，上诉人薛元庆系从犯。", {"principal", "accomplice"}),
    ("被告人夏晓亮在共同犯罪中起主要作用，系主犯，且系累犯；", {"principal", "recidivism"}),
    ("3、朱某甲不是本案的主犯。", set()),
    ("在共同犯罪中不是起次要、辅助作用，不属从犯。", set()),
    ("对进口环节缴纳的税款不从犯罪数额中扣除理由不充分；", set()),
    # compensation / forgiveness
    (
        "2018年11月5日，被告人乐志远的亲属赔偿了被害人周某的全部经济损失，取得了周某对乐志远的谅解。",
        {"compensation", "forgiveness"},
    ),
    ("此外，被害人的法定代理人当庭表示虽接受前述赔偿款，但对被告人李小华不予谅解。", {"compensation"}),
    ("案发后，未赔偿。", set()),
    ("经鉴定，盗窃数额为13.8516万元，数额巨大，且未取得谅解。", set()),
    ("附带民事诉讼原告人徐某要求四被告人共同赔偿其医疗费44652.07元、住宿费1510元、交通费2498元。", set()),
    ("左跃朋负事故的全部责任，应当承担本事故的民事赔偿责任。", set()),
    ("我对受害人表示歉意，希望受害人谅解我，尽量的与对方协商赔偿。", {"compensation"}),
    # restitution
    ("破案后，赃物被缴回并已发还被害人，同时缴获作案工具一批。", {"restitution"}),
    (
        "另查明：被盗行车记录仪已追回发还失主，被告人陈洪凯盗窃时驾驶的摩托车一辆被公安机关查扣。",
        {"restitution"},
    ),
    ("破案后，赃款物均无法追回。", set()),
    ("同时责令被告人丁梦春退赔被害人刘某的损失人民币约250元。", set()),
    # minor
    (
        "被告人赖俊超在明知被害人李某系李某某的在校同学，系未满十四周岁的幼女的情况下，仍先后于当月、次月安排被害人李某卖淫二次",
        {"minor"},
    ),
    ("2、被告人系未成年人，又是从犯。", {"minor", "accomplice"}),
    ("被害人女儿已年满18周岁，不存在需要抚养的情形；", set()),
    (
        "辩护人的辩护意见是，被告人魏某开设的赌场时间短、地址偏僻、参与人员少、没有未成年人参加，社会危害性相对较小；",
        set(),
    ),
    # death / weapon
    ("李权福拿起杨某放在路边的铁撮箕砸击杨某头部，致其受伤后，经抢救无效于同月11日死亡。", {"death"}),
    ("于2017年2月13日20时许因伤重医治无效死亡", {"death"}),
    ("致被害人龙某甲被撞后因得不到救助于事发后约3小时死亡。", {"death"}),
    ("其实施的行为并非致被害人死亡的直接原因；", {"death"}),
    (
        "被告人卢辉的辩护人提出，受害人被卢辉碰撞后并未死亡，其负事故的主要责任，为此被告人卢辉不构成交通肇事罪。",
        set(),
    ),
    (
        "同时，在奚某丁向其女儿奚某丙呼救后，被告人许某又持刀对13周岁的继女奚某丙头部猛砍一刀，伤口深达颅骨。",
        {"weapon", "minor"},
    ),
    ("龙某2和李某2去追砍李某1，王某1带王某2及那个不认识的人拿着砍刀去追砍龙某1。", {"weapon"}),
    ("当时动手的只有一个人，他具体打了几拳几脚我没看清，双方都没持凶器。", set()),
    ("另有三人没有持械，站着用脚踹偷车男子的身体，一共踹了十几下。", set()),
    # a statute title in 《》 is not a cue
    (
        "依据《最高人民法院最高人民检察院关于办理职务犯罪案件认定自首、立功等量刑情节若干问题的意见》第一条规定",
        set(),
    ),
]


@pytest.mark.parametrize(("sentence", "expected"), SENTENCES, ids=[s[:12] for s, _ in SENTENCES])
def test_sentence_flags(sentence: str, expected: set[str]) -> None:
    assert sentence_flags(sentence) == expected


def test_every_flag_is_asserted_somewhere() -> None:
    asserted = set().union(*(e for _, e in SENTENCES))
    assert asserted == set(FLAGS)
    assert len({s for s, _ in SENTENCES}) == len(SENTENCES) >= 25


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("盗走车内一台价值人民币2587元的捷渡行车记录仪。", 2587.0),
        ("经鉴定，盗窃数额为13.8516万元，数额巨大，且未取得谅解。", 138516.0),
        ("从2015年9月至案发，高新民通过设置赌博机，非法获利共计400万余元；", 4_000_000.0),
        ("581份，价税合计4.62亿余元，税款6，715万余元，已抵扣税款6，674万余元。", 462_000_000.0),
        ("本案审理中，被告人刘某乙主动缴纳罚金人民币二万元。", 20_000.0),
        (
            "这批废铝是按每吨九千元，即每斤四块五收购的，我总共花了一万四千多元，买了大概一顿六多",
            14_000.0,
        ),
        (
            "被烧毁的沙发、空调等物品于2017年11月5日时的损失价值总额为人民币贰仟叁佰壹拾叁元整（￥2313.00）",
            2313.0,
        ),
        (
            "经鉴定，王某销售的550条芙蓉王（硬）规格84MM的香烟均为假冒注册商标且伪劣卷烟，该批香烟的卷烟价值为240.2元每条，共计132，110元。",
            132_110.0,
        ),
        # 三元里 is a place, not money
        ("钟毓福于2014年2月22日11时40分许在广州市三元里公交站附近被广州铁路公安处民警抓获归案；", None),
        ("DJ303型号烟机的出口单价为93.9美元，折合人民币579元，而国内市场零售价为2999元人民币；", 2999.0),
    ],
)
def test_amount(text: str, yuan: float | None) -> None:
    assert extract_circumstances(text).amount_yuan == yuan


def test_drug_grams_units_and_context() -> None:
    got = extract_circumstances("从姜正兵身上查获其用于贩卖的甲基苯丙胺片剂1.98克、甲基苯丙胺1.82克。")
    assert got.drug_grams == 1.98
    kg = "经称量、鉴定，蓝色塑料桶内查获的褐色固液混合物净重28.48千克，甲基苯丙胺含量为1.3％；"
    assert extract_circumstances(kg).drug_grams == 28480.0
    assert extract_circumstances("代某供述系向江捷环购买冰毒3公斤，杨永城否认犯罪。").drug_grams == 3000.0
    # the 100g of a purity ratio is not a quantity
    purity = "查获3包结晶状物净重2999克，检出甲基苯丙胺成分，含量为69.44g／100g；"
    assert extract_circumstances(purity).drug_grams == 2999.0
    # grams outside a drug sentence (gold) are not drugs
    gold = "价值人民币2160元）、“周大金”24K黄金挂坠1个（重5克，价值人民币1800元）"
    assert extract_circumstances(gold).drug_grams is None


@pytest.mark.parametrize(
    ("text", "mg"),
    [
        # breath test then blood test (query 0): the larger value is kept
        (
            "经现场酒精吹气检测，测试结果显示其血液中乙醇含量为195毫克／100毫升，随即被告人莫新国被交警带至湖南省融城医院抽取血样，"
            "经检验，其血液中乙醇含量为201.1毫克／100毫升。",
            201.1,
        ),
        ("被告人王X血液中检出乙醇成分，其乙醇含量为106mg／100ml血。", 106.0),
        ("经检验，被告人夏彬血液中乙醇浓度为1.32mg／mL。", 132.0),
        ("许晓峰的静脉血液中的血醇含量为131.85mg／lOOml。", 131.85),
        ("民警当场对孙某某进行呼气式酒精测试，其呼出气体中酒精含量为112毫克／l00毫升。", 112.0),
        ("被告人蒋鑫血液中乙醇含量为1.74mg乙醇／ml血液。", 174.0),
        ("荣成市人民检察院指控，2015年7月2日20时5分，被告人房某酒后驾驶鲁H×××××号轿车沿石烟线由北南行", None),
    ],
)
def test_blood_alcohol(text: str, mg: float | None) -> None:
    assert extract_circumstances(text).blood_alcohol == mg


@pytest.mark.parametrize(
    ("text", "grade"),
    [
        ("经云通司法鉴定中心鉴定，田X、阮X、陈X此次外伤损伤程度为轻微伤。", "轻微伤"),
        # a graded 轻伤 beats the ungraded summary of the same wound, and 轻伤 beats 轻微伤
        (
            "经鉴定，秦某的伤情为轻伤二级。"
            "上述证据能相互印证，证明被告人汪勇俊等人于2015年12月21日无故将被害人秦某打成轻伤的事实，本院经审查予以确认。"
            "经鉴定，毛某1的伤情为轻伤，戴某1的伤情为轻微伤。",
            "轻伤二级",
        ),
        (
            "经鉴定，秦某的伤情为轻伤二级。经柳州市金鼎司法鉴定所鉴定：被害人蓝某本次损伤程度评定为轻伤一级；",
            "轻伤一级",
        ),
        (
            "本案伤者黄某甲全身多处损伤导致失血性休克属重伤二级、胸部损伤为轻伤二级、右髌骨的损伤为轻微伤。",
            "重伤二级",
        ),
        ("3、法医鉴定结论：被害人刘燕左尺骨骨折，左面部神经断裂，损伤程度为重伤，伤残程度五级；", "重伤"),
        ("被鉴定人顾某、郑某2、孙某身体所受损伤均不构成轻微伤。", None),
        ("被害人苏某2身体多处擦挫伤，其损伤程度未达轻伤。", None),
        (
            "夏威于2011年11月因犯非法持有枪支罪、过失致人重伤罪被屯溪区人民法院判处有期徒刑二年零六个月；",
            None,
        ),
        ("且被告人持有枪支的时间较短，且未造成其他严重伤害，", None),
        (
            "4、本案中被告人虽造成多台车辆受损，但无重伤或死亡后果，不符合以危险方法危害公共安全罪的犯罪构成要件。",
            None,
        ),
    ],
)
def test_injury(text: str, grade: str | None) -> None:
    assert extract_circumstances(text).injury == grade


def test_whole_query_and_serialisation() -> None:
    # LeCaRD query 3, verbatim
    text = (
        "2018年8月15日15时许，被告人杨海、陈洪凯驾驶摩托车窜至贵安新区湖潮乡京安大道碧桂园路段时，发现渝F×××××号丰田轿车停放在路边，"
        "被告人杨海负责放风，被告人陈洪凯使用螺丝刀将丰田轿车副驾驶车窗砸坏，盗走车内一台价值人民币2587元的捷渡行车记录仪。"
        "后二人驾驶摩托车逃离途中被公安民警抓获，当场在二人所骑乘摩托车内查获所盗上述行车记录仪。"
        "另查明：被盗行车记录仪已追回发还失主，被告人陈洪凯盗窃时驾驶的摩托车一辆被公安机关查扣。"
        "被告人陈洪凯家属在案发后赔偿被害人张某1车窗修理费4651元。"
    )
    got = extract_circumstances(text)
    assert got == Circumstances(flags=frozenset({"compensation", "restitution"}), amount_yuan=4651.0)
    assert json.loads(json.dumps(got.to_dict())) == {
        "flags": ["compensation", "restitution"],
        "amount_yuan": 4651.0,
        "injury": None,
        "drug_grams": None,
        "blood_alcohol": None,
    }
    assert got.labels() == ["赔偿", "退赃", "数额 4651元"]
    assert extract_circumstances("") == Circumstances()


def test_labels_order_and_formatting() -> None:
    c = Circumstances(
        flags=frozenset({"weapon", "surrender", "recidivism"}),
        amount_yuan=32_000.0,
        injury="轻伤二级",
        drug_grams=12.3,
        blood_alcohol=185.6,
    )
    assert c.labels() == [
        "自首",
        "累犯",
        "持械",
        "数额 3.2万元",
        "轻伤二级",
        "毒品 12.3克",
        "醉驾 185.6mg/100ml",
    ]
    assert Circumstances(blood_alcohol=56.0).labels() == ["酒驾 56mg/100ml"]


def test_amount_bracket_cut_offs() -> None:
    assert amount_bracket(None) is None
    assert [amount_bracket(x) for x in (0, 2_999, 3_000, 9_999, 10_000, 29_999, 30_000)] == [
        0,
        0,
        1,
        1,
        2,
        2,
        3,
    ]
    assert [amount_bracket(x) for x in (99_999, 100_000, 499_999, 500_000, 999_999, 1_000_000, 1e9)] == [
        3, 4, 4, 5, 5, 6, 6,
    ]  # fmt: skip


def test_similarity_flags_and_missing_fields() -> None:
    empty = circumstance_similarity(Circumstances(), Circumstances())
    assert empty == dict.fromkeys(empty, 0.0)
    assert set(empty) == {
        "circ_flag_jaccard", "circ_flag_overlap", "circ_amount_match", "circ_injury_match", "circ_drug_match",
        "circ_alcohol_match",
    }  # fmt: skip
    a = Circumstances(flags=frozenset({"surrender", "confession", "weapon"}), amount_yuan=5_000.0)
    b = Circumstances(flags=frozenset({"confession", "weapon", "death"}))
    sim = circumstance_similarity(a, b)
    assert sim["circ_flag_jaccard"] == 0.5 and sim["circ_flag_overlap"] == 2.0
    assert sim["circ_amount_match"] == 0.0  # one side has no amount
    assert circumstance_similarity(a, b) == circumstance_similarity(b, a)


def test_similarity_numeric_fields() -> None:
    def sim(key: str, x: object, y: object) -> float:
        return circumstance_similarity(Circumstances(**{key: x}), Circumstances(**{key: y}))

    assert sim("amount_yuan", 4_000.0, 9_000.0)["circ_amount_match"] == 1.0
    assert sim("amount_yuan", 4_000.0, 12_000.0)["circ_amount_match"] == 0.5
    assert sim("amount_yuan", 4_000.0, 40_000.0)["circ_amount_match"] == 0.0
    assert sim("injury", "轻伤二级", "轻伤二级")["circ_injury_match"] == 1.0
    assert sim("injury", "轻伤", "轻伤一级")["circ_injury_match"] == 0.5
    assert sim("injury", "轻微伤", "重伤二级")["circ_injury_match"] == 0.0
    assert set(INJURY_GRADES) >= {"轻微伤", "重伤"}
    assert sim("drug_grams", 5.0, 5.0)["circ_drug_match"] == 1.0
    assert sim("drug_grams", 5.0, 50.0)["circ_drug_match"] == pytest.approx(0.5)
    assert sim("drug_grams", 1.0, 1000.0)["circ_drug_match"] == 0.0
    assert sim("blood_alcohol", 150.0, 150.0)["circ_alcohol_match"] == 1.0
    assert sim("blood_alcohol", 150.0, 180.0)["circ_alcohol_match"] == pytest.approx(0.7)
    # the same 30 mg gap across the 200 mg/100ml aggravation threshold counts half
    assert sim("blood_alcohol", 185.0, 215.0)["circ_alcohol_match"] == pytest.approx(0.35)
    assert sim("blood_alcohol", 90.0, 290.0)["circ_alcohol_match"] == 0.0


def test_shared_labels_name_what_both_cases_state():
    a = extract_circumstances("被告人主动到公安机关投案，如实供述了自己的罪行。盗窃财物价值5000元。")
    b = extract_circumstances("被告人自动投案，如实供述。窃得现金人民币6000元。")
    c = extract_circumstances("被告人被抓获归案，窃得现金人民币60万元。")
    assert shared_labels(a, b)[:2] == ["自首", "坦白"] and "数额相近" in shared_labels(a, b)
    assert shared_labels(a, c) == []
