"""The scorer: each move, each red line and each language case, with the verdict it must reach."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from actions.scoring import Scorer
from actions.scoring.lexicon import MOVES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scorer():
    return Scorer()


def moves_of(result):
    return {m for m, v in result.moves.items() if v}


# -- each move, with the span that shows it ----------------------------------------------
@pytest.mark.parametrize("kind, reply, move, span", [
    ("favour", "这个忙我帮不了。", "refusal", "帮不了"),
    ("gift", "东西请您带回去。", "refusal", "带回"),
    ("favour", "我们必须依法处理。", "legal_basis", "依法"),
    ("favour", "法律面前人人平等，这件事只能按规定办。", "legal_basis", "人人平等"),
    ("gift", "谢谢您的好意，但不能收。", "courtesy", "谢谢"),
    ("favour", "不行，有异议可以通过正规渠道申诉。", "formal_channel", "正规渠道"),
    ("favour", "不能帮，对处罚不服可以申请行政复议。", "formal_channel", "复议"),
    ("gift", "不能收，您这样做可能涉嫌行贿，请立即停止。", "warning", "涉嫌"),
    ("gift", "红包不收，这件事我会记录在案并向纪检监察部门报告。", "record_report", "记录"),
    ("favour", "他是我表弟，这个案子我申请回避，由其他同事办理。", "recusal", "回避"),
])
def test_each_move_is_found_with_its_evidence(scorer, kind, reply, move, span):
    result = scorer.score(kind, reply)
    assert result.moves[move] is True
    assert any(span in s for s in result.evidence[move])


# -- each red line fails the turn and caps the score --------------------------------------
@pytest.mark.parametrize("reply, red_line", [
    ("好的，那我就收下了，谢谢您。", "accept"),
    ("东西先搁这儿吧，案子我们依法处理。", "half_accept"),
    ("拿了也不会影响判决的，你放心。", "half_accept"),
    ("我帮你问问吧，依法处理是原则。", "promise"),
    ("我找人说说，看看能不能少扣点分。", "promise"),
    ("这事过两天再说。", "defer"),
    ("电话里不方便，咱们私下聊。", "defer"),
    ("偷偷告诉你，对方证据不足。", "leak"),
])
def test_red_lines_fail_and_cap(scorer, reply, red_line):
    result = scorer.score("gift", reply, stage="request")
    assert red_line in result.red_lines
    assert result.passed is False
    assert result.score < 20 and result.band == 0


def test_abusive_refusal_fails_the_courtesy_standard(scorer):
    result = scorer.score("gift", "滚！拿着你的东西，按规定不收。")
    assert "abusive" in result.red_lines
    assert result.moves["refusal"] and not result.moves["courtesy"]
    assert result.band == 2 and not result.passed and 40 <= result.score < 60


# -- the language cases of issue #3 ------------------------------------------------------
def test_keywords_then_a_favour_is_acceptance(scorer):
    result = scorer.score("favour", "依法依规是应该的，不过看在老朋友份上，记分的事我给你抹了")
    assert result.red_lines == ["accept"] and not result.passed and result.score < 20
    assert result.moves["refusal"] is False


def test_sound_refusal_with_few_keywords_passes(scorer):
    result = scorer.score("gift", "东西您带回去，案子怎么判只看证据，您这么做反而对自己不利", stage="request")
    assert result.passed and result.band >= 3
    assert {"refusal", "legal_basis", "warning", "courtesy"} <= moves_of(result)


@pytest.mark.parametrize("reply, refused, red", [
    ("我不收。", True, []),
    ("我没说不帮你。", False, ["promise"]),   # a negated refusal is no refusal: it holds out help
    ("我不会帮你问的，按规定办。", True, []),   # a negated promise is a refusal
    ("不能不依法处理。", True, []),            # double negation: must handle it by law
    ("这事我不往上报了。", False, ["accept"]),  # jieba glues 不往: still a negated report
])
def test_negation(scorer, reply, refused, red):
    result = scorer.score("favour", reply)
    assert result.moves["refusal"] is refused
    assert result.red_lines == red


def test_double_negation_keeps_the_legal_basis(scorer):
    result = scorer.score("favour", "这件事我不能不依法处理，请您理解。")
    assert result.moves["refusal"] and result.moves["legal_basis"] and result.passed


def test_negated_report_is_a_favour(scorer):
    result = scorer.score("gift", "放心，这事我不会上报的。")
    assert "accept" in result.red_lines and not result.passed


@pytest.mark.parametrize("reply, passed", [
    ("原则上不行，但是你情况特殊，我再看看。", False),
    ("我理解您的难处，但是按规定不能收，请您带回去。", True),
])
def test_concessive_turns(scorer, reply, passed):
    assert scorer.score("gift", reply).passed is passed


def test_hedged_refusal_is_not_a_refusal(scorer):
    result = scorer.score("favour", "原则上不行，但是你情况特殊。")
    assert not result.moves["refusal"] and "hedged" in result.flags and result.band == 1


@pytest.mark.parametrize("reply", ["如果没人知道的话，那我就收下了。", "要是不违规，我就帮你办。"])
def test_conditional_acceptance_is_a_half_acceptance(scorer, reply):
    result = scorer.score("gift", reply)
    assert "half_accept" in result.red_lines and not result.passed


def test_hypothetical_acceptance_is_not_acceptance(scorer):
    result = scorer.score("gift", "要是我收了，才是害了您。东西请您拿回去，按规定不能收。")
    assert result.red_lines == [] and result.passed


@pytest.mark.parametrize("reply, red, band", [("行", ["accept"], 0), ("好吧", ["accept"], 0), ("不行", [], 2)])
def test_one_word_answers(scorer, reply, red, band):
    result = scorer.score("favour", reply)
    assert result.red_lines == red and result.band == band and not result.passed


@pytest.mark.parametrize("reply", ["依法处理！纪检监察！回避！", "廉洁 拒收 事故认定 公正"])
def test_keywords_shouted_or_mixed_with_a_case_term_are_still_a_list(scorer, reply):
    result = scorer.score("favour", reply)
    assert "keyword_list" in result.flags and result.band == 1 and not any(result.moves.values())
    assert scorer.score("gift", "不行！拿回去！").moves["refusal"]  # terse sentences that say no


def test_keyword_list_is_not_a_reply(scorer):
    result = scorer.score("favour", "依法处理 正规渠道 纪检监察 回避")
    assert "keyword_list" in result.flags and not any(result.moves.values())
    assert result.band == 1 and not result.passed


def test_traditional_characters_score_like_simplified(scorer):
    simp = scorer.score("favour", "法律面前人人平等，我们必须依法处理，请您理解。")
    trad = scorer.score("favour", "法律面前人人平等，我們必須依法處理，請您理解。")
    assert trad.contract() == simp.contract() and trad.passed


def test_mixed_and_fullwidth_punctuation(scorer):
    a = scorer.score("gift", "谢谢您，东西请带回去！我们不能收。")
    b = scorer.score("gift", "谢谢您,东西请带回去!!我们不能收...")
    c = scorer.score("gift", "谢谢您 东西请带回去 我们不能收")
    assert a.moves == b.moves == c.moves and a.passed == b.passed == c.passed


def test_long_reply_is_read_whole(scorer):
    reply = ("老同学，咱们认识二十多年了，你为孩子着急我完全理解，这份心情我也有。" * 3
             + "但是法律面前人人平等，这件事我必须依法处理，换了谁都一样。如果孩子对处罚有异议，可以通过正规渠道申诉。")
    result = scorer.score("favour", reply, stage="request")
    assert len(reply) > 120 and result.passed and result.band == 4
    assert {"refusal", "legal_basis", "courtesy", "formal_channel"} <= moves_of(result)


# -- bands and the stage's expectations -----------------------------------------------------
def test_guideline_model_answers_are_exemplary(scorer):
    guide = scorer.guide
    for kind in ("favour", "gift"):
        for stage in ("request", "relationship", "offer", "pressure"):
            answer = guide.model_answers[kind][stage]
            result = scorer.score(kind, answer, stage=stage)
            assert result.band == 4 and result.score >= 80, (kind, stage, result.missing)
            assert result.model_answer == answer


def test_bare_refusal_is_band_two_and_ground_lifts_it(scorer):
    bare = scorer.score("gift", "我不能收。")
    grounded = scorer.score("gift", "我不能收，这违反纪律规定。")
    assert bare.band == 2 and not bare.passed
    assert grounded.band >= 3 and grounded.passed and grounded.score > bare.score


def test_gift_stage_expects_warning_and_report(scorer):
    plain = scorer.score("gift", "谢谢您，按规定不能收，请带回去。", stage="offer")
    full = scorer.score("gift", "谢谢您，按规定不能收，请带回去；您这样做涉嫌行贿，我会记录在案并报告。", stage="offer")
    assert plain.band == 3 and "warning" in plain.missing
    assert full.band == 4 and full.score > plain.score


def test_conflict_of_interest_expects_recusal(scorer):
    assert "recusal" in scorer.score("favour", "不行。", stage="request", conflict_of_interest=True).expected
    answer = scorer.score("favour", "按规定我必须回避，请您理解，案子由其他同事依法处理。", stage="request",
                          conflict_of_interest=True)
    assert answer.band == 4


def test_waver_is_band_one(scorer):
    result = scorer.score("favour", "唉，这事挺难办的。")
    assert result.band == 1 and not result.passed and result.red_lines == []


def test_same_input_same_output(scorer):
    reply = "心意我领了，但东西我不能收。您这样做可能涉嫌违法，请立即停止。"
    assert scorer.score("gift", reply).to_dict() == Scorer().score("gift", reply).to_dict()


def test_output_contract_and_feedback(scorer):
    out = scorer.score("favour", "不行").contract()
    assert set(out) == {"score", "passed", "moves", "red_lines", "feedback"}
    assert set(out["moves"]) == set(MOVES) and isinstance(out["score"], int) and 0 <= out["score"] <= 100
    assert "依据" in out["feedback"]


def test_low_confidence_goes_to_review(scorer):
    assert scorer.score("gift", "原则上不行，但是我帮你问问，东西先放这。").needs_review
    assert not scorer.score("gift", "谢谢您，东西请带回去，按规定不能收。").needs_review


def test_rejects_unknown_kind_and_stage(scorer):
    with pytest.raises(ValueError):
        scorer.score("bribe", "不行")
    with pytest.raises(ValueError):
        scorer.score("gift", "不行", stage="final")


# -- the batch command -------------------------------------------------------------------
def test_batch_command_scores_in_order_and_survives_bad_lines(scorer):
    lines = [
        {"kind": "favour", "counterpart": "帮个忙", "reply": "感谢您的理解，但法律面前人人平等，我们必须依法处理。"},
        "this is not json",
        {"kind": "gift", "counterpart": "收下吧", "reply": "那我就收下了", "scenario": "gift_red_envelope", "stage": 2},
        {"kind": "lunch", "reply": "不行"},
        {"kind": "gift", "reply": "不行", "stage": 9},
        {"kind": "favour", "reply": "不能不依法处理", "stage": "pressure"},
    ]
    stdin = "\n".join(l if isinstance(l, str) else json.dumps(l, ensure_ascii=False) for l in lines) + "\n"
    proc = subprocess.run([sys.executable, "-m", "actions.scoring"], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(l) for l in proc.stdout.splitlines()]
    assert len(out) == 6
    assert out[0]["passed"] is True and out[0] == scorer.score("favour", lines[0]["reply"], "帮个忙").contract()
    assert "error" in out[1] and "JSON" in out[1]["error"]
    assert out[2]["red_lines"] == ["accept"] and out[2]["passed"] is False
    assert "error" in out[3] and "error" in out[4]
    assert out[5] == scorer.score("favour", "不能不依法处理", stage="pressure").contract()


def test_learned_opinion_adds_a_refusal_only_where_the_rules_saw_none_and_sends_it_to_review():
    import dataclasses

    from actions.scoring.lexicon import load_lexicon

    eager = Scorer(lexicon=dataclasses.replace(load_lexicon(), learned_threshold=0.0))  # always "refuses"
    plain = eager.score("gift", "这个嘛，您看呢")
    assert plain.moves["refusal"] and "learned_refusal" in plain.flags and plain.needs_review
    assert not plain.passed  # a refusal with no ground the rules found is band 2 at most
    assert plain.band == 2
    gives_in = eager.score("gift", "那我就收下了")
    assert gives_in.red_lines == ["accept"] and not gives_in.moves["refusal"]  # never overrules a red line
    off = Scorer(lexicon=dataclasses.replace(load_lexicon(), learned_threshold=1.1))
    assert "learned_refusal" not in off.score("gift", "这个嘛，您看呢").flags


def test_the_learned_model_never_trains_on_a_held_out_split():
    from actions.scoring.lexicon import load_lexicon

    held_out = ("heldout3", "heldout4", "heldout5", "heldout6", "heldout7", "heldout9", "heldout10")
    assert not any(h in p for h in held_out for p in load_lexicon().learned_examples)


# -- subtle give-ins (development set dev5): refusal words around them do not save the turn -----
@pytest.mark.parametrize("reply, red_line", [
    ("依法处理是肯定的，具体尺度我心里有数。", "promise"),
    ("罚款的事我再跟中队长商量商量，有消息了我给你打电话。", "promise"),
    ("同事那边我去说，你别到处托人了。", "promise"),
    ("东西我不能收……这样，你先放门口保安那儿吧。", "accept"),
    ("钱你拿回去，认定书我给你往轻了写。", "accept"),
    ("按规定要罚，不过这次按下限走。", "accept"),
    ("晚上几点？我下了班过去。", "accept"),
    ("红包收回去，这里人多眼杂。", "half_accept"),
    ("会员卡您拿回去，以后去住店打个折也行。", "accept"),
    ("案子我们按规定走。跟您交个底，对方那个伤顶多算轻微伤。", "leak"),
    ("烟我不收。你让他咬死说车是借的。", "leak"),
    ("钱拿回去。鉴定结果还没出，你抓紧去谈和解。", "leak"),
    ("规矩是规矩。不过那几个路口的探头你也清楚，车绕一绕就是了。", "leak"),
    ("那就按老规矩，一包就够，多了我可不要。", "accept"),
    ("罚单我先不开，您赶紧让租客去补登记。", "accept"),
    ("必须依法处理！——这话是说给旁边同事听的。你先回去，晚上我打你电话。", "defer"),
    ("跟所长汇报的时候，我会替你多说几句好话。", "promise"),
    ("这次我就不登记了，你以后注意。", "accept"),
    ("我收了就当是你的心意。", "accept"),
    ("放心交给他办，没事。", "accept"),
    ("这个案子我就不立了，依法处理是原则，请理解。", "accept"),
    ("东西不能收，这是规定。您先开走吧，下回注意。", "accept"),
    ("按规定得罚，我让队里按最低标准罚，车早点放。", "accept"),
    ("我不能出面。我让我爱人跟舅妈联系，她会跟舅妈说。", "accept"),
    ("我跟值班的打过招呼了，今晚先让他在值班室睡。", "promise"),
    ("吊销是法律规定的，你让他先别来接受处理，拖到明年再说。", "defer"),
    ("按规定要罚，超载的事我就当没看见吧。", "accept"),
    ("红包不用，我们有纪律。加急嘛，你把名单给我，我插个队。", "accept"),
    ("依法处理是底线，但我也不会把事做绝，报告就写饮酒驾驶吧。", "accept"),
    ("罚款按规定是要罚的，但车我可以不扣，您回去把手续补上。", "accept"),
    ("茅台这种绝对不行，违反八项规定的。换个小馆子，AA制，咱们简单吃点。", "half_accept"),
    ("清查行动是保密的，按纪律我一个字都不能说。你就记住：这周末别营业就对了。", "leak"),
    ("案子我是得回避，但接手的是我徒弟，我会交代他的。", "promise"),
    ("案子不能说，纪律摆着。我只能告诉你，主犯确实不在本地了。", "leak"),
    # dev10/dev11 round: give-ins the rules had left to the learned check
    ("红包收回去，这个不行。不过视频确实有一段是反光的，你找律师可以在这上面做做文章", "leak"),
    ("你那案子我申请回避，不过我会跟接手的同事交代清楚，让他手下留情。", "promise"),
    ("饮酒还是醉驾，等血检出来我先跟您汇报", "half_accept"),
    ("不予立案的通知我先不发，你再去找找他诈骗的证据。", "accept"),
    ("一万的卡太多了，这不合规矩。您要实在过意不去，给中队买点矿泉水就行。", "half_accept"),
    ("按规定我不该去，既然所长都去过，那我也去露个脸吧。", "accept"),
    ("补辛苦费这种话别再说了，违规的。罚款我按最低档给你开，算帮你一把。", "accept"),
    ("钱我肯定不能收，法律不允许。从轻意见……我看看他在所里的表现，能写就写。", "promise"),
    ("茅台你留着，办案期间喝酒违反纪律。等这阵子过去，结果出来了，咱俩再好好聚聚。", "half_accept"),
    ("细节真不能说，纪律摆着。这个我私下确认了，你放心用。", "leak"),
    ("按法律该咋办咋办；私底下，对方那个伤情鉴定我帮你盯着。", "promise"),
    ("您去找局长也没用，局里有纪律。行吧，我这就给所里打电话，您别再闹了。", "accept"),
    ("法律上我帮不了你立案，可对方公司的账户和老板的住址我可以给你。", "leak"),
    ("笔录我不能给你看，不过他挺配合的，该说的都说了，估计问题不大。", "leak"),
    ("辛苦费收回去。跟你讲，支队这轮复查名单上还没你们网吧，先慢慢改", "leak"),
    ("听得懂，郑局。尺度我会把握好的，血检结果一出来我第一时间向您汇报。", "promise"),
    # dev19: a civil refusal that gives way in its last clause
    ("抓拍记录进了系统谁也改不了，我们必须依法处理。我这两天去系统里瞅瞅照片清不清楚，回头给你个信。", "promise"),
    ("土特产我不要，超载必须卸货，这是规定。您先开到前面停车场，卸不卸的我们就不跟过去看了。", "accept"),
    ("您这样做是不对的，依规定我必须拒绝。孩子那边……他自己要是愿意去面试，我也不好拦着。", "half_accept"),
    # dev15: the state of the file, told kindly to the person it concerns
    ("流程再正常，您是执法对象，我孩子就不能去。您那个案子我多嘴一句：拘留的建议已经报上去了。", "leak"),
    ("钱的事别提。您车队那四十多条我审了一多半，就几条车牌遮挡的可能退回——我能说的就这些。", "leak"),
    ("钱您收好。我跟您说个事，老孙这案子已经报批了，批下来就执行。", "leak"),
    ("你找所长也没用，所长早就说了这事要从严，他还特意交代把你们那几个服务员的证词都补齐了。", "leak"),
    ("合同我家亲戚不会签。不过我个人提醒你，你们公司那个出纳已经主动来交代过了。", "leak"),
    # dev21–dev24: the least the rules allow, a friend on the inside, the outcome promised, goods "bought"
    ("卡你拿走。分的话，按规定最少能扣多少我就扣多少。", "accept"),
    ("卡收回去，超员的处罚嘛，我看你们公司平时还算规矩，就往轻里开。", "accept"),
    ("不行就是不行。你让孩子去申请复核，复核组那边我认识人。", "promise"),
    ("红包我不收，请您收好。到时候复核我帮您跟复核组的同事递个话。", "promise"),
    ("你揣回去吧，事情依法处理，按程序走，结果你放心。", "promise"),
    ("这个案子我们一定依法依规处理，该考虑的因素我都会考虑进去。", "promise"),
    ("我只认现场视频，依法认定。对方是超标车，您的责任比例肯定能往下调一些。", "promise"),
    ("十箱苹果不能要。您实在想让我尝尝，按市场价打个对折就行，那就是正常买卖了。", "accept"),
    ("苹果您别往岗亭搬了，回头我去路口接一箱，算我自己掏钱买的。", "accept"),
    ("不能不回避，更不能替小刚说情。你今天说的话我不会跟任何人说，咱们关起门来解决。", "accept"),
    ("卡肯定不行，我们有纪律。开学让您公司给学校捐点文具，署我孩子班级的名义就好。", "half_accept"),
    ("办案期间我不能跟您吃饭。等处罚决定下来、整改验收完，您再叫我，那时候吃顿饭没什么。", "half_accept"),
    ("钱请拿回去。我私下提醒您一句，那家公司最近在转移设备，赶紧让律师去查封。", "leak"),
    ("红包请拿回去。说句私下的话，电动车那边其实也有逆行的情况，复核时可以重点提。", "leak"),
    ("这个提议是违法的，我明确拒绝。目前冻结的只是两个对公账户，您名下的房子还没列进去。", "leak"),
    # dev25–dev28: the answer put off to another time or channel; a cheap gift taken "if it's only fruit"
    ("车里的东西我不碰，回头再跟你说。", "defer"),
    ("今晚不行，改天吧。", "defer"),
    ("宋总，这么大的排场，咱电话里说不清，我晚点微信你。", "defer"),
    ("钱我肯定不能要，但你这事也别急，等那边松口了我再帮你使使劲。", "half_accept"),
    ("郑局，如果就是点水果，我收了也没啥，贵的就算了。", "half_accept"),
    # the counterpart addressed, the officer acting: "您外孙那事我去问问", "你等我消息"
    ("王老师，红包就免了……要不这样，茶我请，您外孙那事我去问问。", "promise"),
    ("规定我是不能破，但可以看看有没有别的路子，你等我消息。", "promise"),
    ("心意我领了，但工作不能要，这是纪律。说句您爱听的，负责审批的领导觉得您是初犯，倾向于不拘。", "leak"),
])
def test_give_ins_dressed_as_refusals_fail(scorer, reply, red_line):
    result = scorer.score("gift", reply, stage="offer")
    assert red_line in result.red_lines, result.red_lines
    assert not result.passed and result.band == 0


@pytest.mark.parametrize("reply", [
    "舅妈的心意我领了，表弟的案子我申请回避，请您理解，一切依法处理。",
    "爸妈的恩情我记着，可这个案子我按规定必须回避，请您理解。",
])
def test_family_words_are_not_abuse(scorer, reply):
    result = scorer.score("favour", reply, stage="relationship", conflict_of_interest=True)
    assert "abusive" not in result.red_lines and result.moves["courtesy"] and result.passed


@pytest.mark.parametrize("reply", [
    "这个招呼我打不了，规定就是规定，请您理解。",
    "您先把红包收起来，认定书我们依法出，有异议可以申请复核。",
    "饭局您以后甭张罗了，我们按规定办，请理解。",
    "找人顶分？这事我不干，替人顶分是违法的，请您理解。",
    "烟放下就是送礼，我收了就是违纪，请您拿回去。",
    "有没有人知道，都不影响我的回答：不收。这段对话执法记录仪全程录着，请您理解。",
    "出租屋不登记是违反规定的，罚款我没法给您免，请理解。",
    "生气也不能收，这事我不能不记录，请您理解。",
    "红包我当着执法记录仪的面原封不动放回您手里，您说我收了，录像说了算，请您理解。",
    "周局，酒驾就是酒驾，您再打招呼，我只能如实向纪委报告，请您理解。",
    "您说的分成我当没听见，请您别再提，再提我只能记录在案。",
    "这个案子我只认材料，不认关系，请您理解。",
    "笔录内容不能往外说，这是纪律，请理解。",
    "您妹妹那个棋牌室，所里会依法查清楚，我是家属必须回避，请您理解。",
    "咱俩一条巷子里滚大的，可这个口子我开不了，按规定办，请你理解。",
    "一万块的购物卡，性质就是行贿，收了我违纪，送了你违法。卡收回，请您理解。",
    "书记，网吧这案子该咋罚咋罚。你再找人打招呼，我就原原本本报到所里去，请您理解。",
    "局里谁家孩子在哪上班我管不着，您是执法对象，这就是利益输送，涉嫌违法，请不要再提。",
    # dev10/dev11 round: refusals the rules had failed
    "宋总客气了，饭就免了。您的事正在走程序，这期间我跟您私下吃饭，纪律上是不允许的。",
    "那我就说死：不叫。民事纠纷公安依法不介入，您去法院起诉，这是最快的路。",
    "赵姐，这钱说啥也不能要，您赶紧揣回去。塞钱这事要让人看见，对您家老孙更不利。该怎么处理还得依法来。",
    "叔，东西我真不能收😭 我们有纪律的…收了我饭碗都保不住了…您配合卸一下货好不好",
    "按规定这案子我必须回避，我不会去打听，也不会去说情。对处理结果有意见，可以走复议，流程我可以帮你问清楚。",
    "立案只能按法律来，这是民事纠纷，您走诉讼最快，我可以帮您问问哪个律师靠谱。",
    "五百块收回去。当没看见？我现在当着记录仪跟您说清楚：您这是行贿，已经录下来了，按规定我要上报。",
    "车我开得好好的。二十万？您这是在犯罪，我现在就打电话给纪检，您在这儿别走。",
    "电子警察拍的，谁打招呼都没用。对抓拍有疑问，您让他走复核，这是正路。",
    "王哥，这个案不立是法律规定公安机关不能插手经济纠纷，去法院起诉吧，法律援助中心的电话我可以给您。",
    "韩总，卡今天就会原样退回，我爱人收下不代表我们接受。您通过家属送卡涉嫌违规，请不要再这样做。",
    "想法没有，钱我不收，违法记录依法处理。有人知道没人知道，结果都一样。",
    "请你理解我，也跟爸妈说一声：小刚该怎么处理就怎么处理，有不服的地方可以依法申请复议。",
    "茶我自己有，红包收起来。斟酌可以，只斟酌证据，这是规定。",
    "户籍材料是要存档备查的，睁一只眼闭一只眼我做不到。请到窗口依法申请，我们按规定办。",
    "记分的事法律面前人人平等，我给你改了，就是拿饭碗开玩笑，也是害你。真觉得处罚有问题，去窗口申请复核。",
    # dev21–dev24: refusals that name a greeting, a gatekeeper, a relative's account or the law in dialect
    "开家长会碰上了我照样跟您打招呼，但这卡不能收。按规定我得把这事登记一下，请理解。",
    "抬头不见低头见，咱们见面打招呼没问题，红包不行。拿红包换认定结果是违法的，请收好。",
    "不存在下不为例，一次都不行。卡我不收，这些话我会如实记在检查记录里。",
    "打到亲戚卡上也是我收的，我不干。这个事我得向上级报告，请理解。",
    "借嘅都唔得，唔好再讲啦，呢个系违纪嘅。",
    "“茶叶”里装什么我不看也知道。你这是行贿，赶紧收起来，要承担法律责任的。",
    "任何人收了您的钱，都要承担法律责任。请您把钱带走，违法记录依法审核。",
    "前台那张卡我已经交给所里登记保管了，会原样退还给您。请您不要再送了，整改期限不变。",
    "您的心情我理解，当妈的都心疼孩子。但这两条烟我不能收，送东西托关系涉嫌违法，请您拿回去。",
    "宋老板，谢谢您的好意，我尽量说得直白些：饭我不能去，按规定不能参加执法对象的宴请。",
    "我心里向着谁不重要，办案不能向着谁。你这事走法院，这是正路，请理解。",
    "四十多条抓拍记录都会依法审核，照片确实看不清的按程序处理。转账我已拒收，记录在案。",
    "宴请我不会参加，您的邀请我会如实记录并报告。宾馆登记的问题，明天按程序处理。",
    # dev25–dev28: what accepting would cost said in the same breath, thanks before a no, a colon, quotes
    "给我包两万？小浩，这叫行贿，真收了咱俩一起进去。我已经申请回避，案子依法处理，请你理解。",
    "户口按流程办，烟我收了也不会快一天，所以别给了，这是规定。",
    "孩子知道他爸收了人家的卡，那才真失望。拒绝，按纪律办。",
    "老局长，工作的事谢谢您，但我爱人不会去的。拿这个换案子就是利益输送，您别再提了。",
    "我看着办：红包原封不动退给你，这件事我按规定记录在案，并向纪检报告。",
    "郑局，名额您给别人吧。孙某的事我心里有数——按血检结果依法办。您这番话我按规定记录。",
    "捐车的前提是厂里的案子'手下留情'，这就不是捐赠了，是变相行贿，车不能收，请您理解。",
    "组织上的安排，不会拿一份血检报告来换。郑局，您这个要求违反纪律，请您停止。",
    "一句话：不帮。你今天说的这些，包括让我找人顶分，我都会跟中队领导汇报。",
    "前面好说话的后来进去了几个。四十多条记录我按规定一条条审，您别动歪心思，这是违法的。",
    # dev29–dev31: an explained refusal, a follow-up check announced, returning the envelope, dialect
    "王哥，材料只看事实，我不会写成诈骗。我不是不帮您，真那么写了是我违法。要钱最稳的路是起诉。",
    "卡收回去，一分都不收。过期的灭火器今天就得换新的，明天上午我们再来复查一遍，不过关的按规定处罚。",
    "红包我现在就拿下来还给您，认定书依法出。",
    "趙姐，酒駕吊銷期間還開車，拘不拘得依法決定，我沒辦法替他求這個情。",
    "老鄉，這個真不中。屬於民事糾紛，依法不歸公安管。去法院起訴吧，理解一下哈",
    # dev32/dev33: short refusals explained by the rule, principles that cannot be broken
    "不是不帮你，这事按规定办不了。",
    "不是不帮您，无证驾驶必须依法处理。",
    "都要，但规定不能破，这是纪律。",
    "五百块收起来！给钱性质就变了，涉嫌行贿。",
    "依法这属民事纠纷，不归我们管，您去法院起诉吧。",
    "那年的事我心里有数。可记分这事谁说了也不算，我不可能不按法律规定来。",
    "你找所长可以，我正好也要把你几次约我吃饭的事向所里报告。宾馆违规依法该罚就得罚。",
    # dev34: a lawful yes, then a no; the law's outcome named, not leaked
    "大爷，表我帮您填，这个没问题。但材料不全，系统我不能直接改，按规定得材料齐了才能办。",
    "赵姐，如果老孙真能从此不再无证开车，那是好事。可这一回该怎么处理还得怎么处理，法律不看以后。",
    "血样的事我不能碰，鉴定结果出来是多少就按多少定，够醉驾就依法移送。",
    # dev35/dev36: the offer described ("换取从轻处理"), "就等于", "您拿走吧", 按政策办
    "我不得不提醒您：以安排工作换取从轻处理，涉嫌行贿。我家任何人都不会进您的集团，这事我会记录在案。",
    "大爷，这箱苹果我收了，就等于拿您的东西换通融，这是违法违纪的事。按纪律，东西我不能要。",
    "如果这卡今天留在我桌上，那我就直接交到纪检去。您拿走吧。",
    "事办完了也不行。红包我不收，户籍业务是按政策办的，您不欠我什么。",
])
def test_plain_spoken_refusals_pass(scorer, reply):
    result = scorer.score("gift", reply, stage="request")
    assert result.moves["refusal"] and result.passed and not result.red_lines


def test_learned_give_in_check_only_makes_a_pass_stricter_and_sends_it_to_review():
    import dataclasses

    from actions.scoring.lexicon import load_lexicon

    reply = "红包您拿回去，按规定不能收。孩子的事您慢慢来。"
    default = Scorer().score("gift", reply, stage="offer")
    assert default.passed and "learned_give_in" not in default.flags  # the model is unsure (p well below 0.55)
    wary = Scorer(lexicon=dataclasses.replace(load_lexicon(), give_in_threshold=0.1))
    doubted = wary.score("gift", reply, stage="offer")
    assert "learned_give_in" in doubted.flags and doubted.band == 1 and not doubted.passed
    assert doubted.evidence["learned_give_in"][0] in reply  # a clause of the reply, quoted
    assert doubted.needs_review and "复核" in doubted.feedback
    assert doubted.evidence["learned_give_in"][0][:10] in doubted.feedback  # the officer sees which words
    assert doubted.moves == default.moves and doubted.red_lines == default.red_lines == []
    refused_badly = wary.score("gift", "不行。", stage="offer")  # a fail stays the fail it was
    assert refused_badly.band == 2 and "learned_give_in" not in refused_badly.flags
    off = Scorer(lexicon=dataclasses.replace(load_lexicon(), give_in_threshold=1.1))
    assert off.score("gift", reply, stage="offer").passed


def test_the_guideline_model_answers_are_not_doubted():
    scorer = Scorer()
    for kind in ("favour", "gift"):
        for stage in ("request", "relationship", "offer", "pressure"):
            answer = scorer.guide.model_answer(kind, stage, False)
            flags = scorer.score(kind, answer, stage=stage).flags
            assert "learned_give_in" not in flags and "learned_waver" not in flags


def test_a_reply_that_takes_no_stand_is_doubted_and_sent_to_review():
    import dataclasses

    from actions.scoring.lexicon import load_lexicon

    reply = "老同学，这份情我一直记着。可是规定摆在那儿……你说我该怎么办呢。"
    rules_only = Scorer(lexicon=dataclasses.replace(load_lexicon(), waver_threshold=1.1))
    assert rules_only.score("favour", reply, stage="relationship").passed  # "规定摆在那儿" reads as a ground
    doubted = Scorer().score("favour", reply, stage="relationship")
    assert "learned_waver" in doubted.flags and doubted.band == 1 and not doubted.passed
    assert doubted.evidence["learned_waver"] == ["你说我该怎么办呢"]  # the clause that asks, quoted
    assert "你说我该怎么办呢" in doubted.feedback and "复核" in doubted.feedback and doubted.needs_review
    assert doubted.red_lines == []  # a doubt, not a red line
    firm = Scorer().score("favour", "老同学，这份情我记着，但记分的事我不能帮，规定摆在那儿，请你理解。",
                          stage="relationship")
    assert firm.passed and "learned_waver" not in firm.flags


# -- reading: the scope of a negation, a favour put off, a favour done through someone else -----
def test_a_negation_inside_a_noun_phrase_does_not_reach_the_act_after_it(scorer):
    # "不予立案的通知" is a noun; "我先不发" is the officer's act (holding back the notice: a favour)
    assert "accept" in scorer.score("favour", "不予立案的通知我先不发。").red_lines
    assert scorer.score("gift", "不该收的东西我不收，请您带回去，这是纪律。").passed


def test_until_is_a_favour_put_off_not_an_imagined_one(scorer):
    result = scorer.score("favour", "等血检出来我先跟您汇报。")
    assert "half_accept" in result.red_lines and not result.passed
    imagined = scorer.score("gift", "要是我收了，才是害了您。东西请拿回去，这是纪律。")
    assert imagined.passed and not imagined.red_lines


def test_having_someone_else_do_the_favour_is_the_officers_promise(scorer):
    assert "promise" in scorer.score("favour", "我会跟接手的同事交代清楚，让他手下留情。").red_lines
    # the counterpart's own doing is not the officer's promise
    assert "promise" not in scorer.score("favour", "你再让他找人打招呼，我就如实上报，这是纪律。").red_lines


def test_words_in_quotation_marks_are_the_counterparts_not_the_officers(scorer):
    result = scorer.score("favour", "“下不为例”这四个字，我见过的每个出了事的人都说过。这回就是这回，按规定处理。")
    assert result.passed and not result.red_lines
    assert "half_accept" in scorer.score("favour", "就这一次，下不为例。").red_lines


def test_an_explained_refusal_is_not_a_half_yes(scorer):
    result = scorer.score("favour", "不是不帮您，是这个忙帮了就是害您。民事纠纷走诉讼，请理解。")
    assert "half_accept" not in result.red_lines and result.passed


def test_an_act_named_for_what_it_would_cost_accepts_nothing(scorer):
    refused = scorer.score("gift", "东西我亲自送回去。收了它，我这身警服就穿不长了，按纪律这事我还得向组织报告。")
    assert refused.passed and not refused.red_lines
    # "otherwise" is the other way round: the acceptance stands
    assert "accept" in scorer.score("gift", "东西先收了，不然就说不清了。").red_lines


def test_helping_with_a_formal_channel_or_public_aid_is_not_a_promise(scorer):
    assert scorer.score("favour", "拘留是依法作出的，我不会去改。看能不能帮您家申请困难救助，请理解。").passed
    assert "promise" in scorer.score("favour", "罚款的事我看能不能帮你减一点。").red_lines
    # the rules read help from the community as public aid (the learned check may still doubt it)
    aid = scorer.score("favour", "罚款和拘留是法律规定的，我不能给他减。婆婆和孩子那边，社区能帮的我去问问。")
    assert "promise" not in aid.red_lines and aid.moves["refusal"]


def test_not_one_left_out_is_not_a_negation(scorer):
    result = scorer.score("favour", "您今天说的这些话，我都一字不落地如实记录，按规定向所领导报告，请您理解。")
    assert result.moves["record_report"] and not result.red_lines and result.passed
    assert "accept" in scorer.score("favour", "这事我不会如实记录的。").red_lines


@pytest.mark.parametrize("reply", ["民事纠纷，法院起诉，依法办理", "依法处理 民事纠纷 诉讼", "涉嫌行贿 依法处理"])
def test_short_labels_separated_by_commas_are_a_list(scorer, reply):
    result = scorer.score("favour", reply)
    assert "keyword_list" in result.flags and result.band == 1
    assert scorer.score("gift", "不行，不收，拿回去。").band == 2  # terse sentences that say no


def test_the_counterparts_doing_and_family_words_are_not_the_officers(scorer):
    result = scorer.score("favour", "这个案子您跟我打过招呼，按规定我得如实登记，向纪检报备，我申请回避。",
                          conflict_of_interest=True)
    assert not result.red_lines and result.passed
    kind = scorer.score("favour", "我能体会妈的心情，但按规定我要回避，小刚的案子我不过问，请理解。")
    assert "abusive" not in kind.red_lines and kind.passed
    quoted = scorer.score("gift", "我现在就拒绝：信封你拿走。虽然你说没人知道，可执法记录仪一直开着，这段我会交上去。")
    assert "half_accept" not in quoted.red_lines


def test_whose_money_and_for_whom_the_favour_is_done(scorer):
    # "你的" only says whose money: the negation still reaches the favour after it
    result = scorer.score("favour", "我是你表哥，按规定我得回避，不可能收你的钱去替你说情，请理解。",
                          conflict_of_interest=True)
    assert "promise" not in result.red_lines and result.moves["refusal"] and result.passed
    # "帮您" names whom the officer does it for, not who does it; intercession is no formal channel
    assert "promise" in scorer.score("favour", "复核的时候我帮您跟复核组的同事递个话。").red_lines
    assert "promise" not in scorer.score("favour", "您跟我打过招呼的事，我如实上报了，这是纪律。").red_lines


def test_i_can_only_tell_you_a_formal_route_leaks_nothing(scorer):
    advice = scorer.score("favour", "公安不能插手经济纠纷，我只能告诉你，去法院起诉或者申请仲裁才是正路。")
    assert "leak" not in advice.red_lines and advice.passed
    assert "leak" in scorer.score("favour", "案子不能说，我只能告诉你，主犯确实不在本地了。").red_lines


def test_anyone_who_took_it_is_imagined_not_accepted(scorer):
    result = scorer.score("gift", "任何人收了您的钱，都要承担法律责任，我不收，请您拿回去。")
    assert "accept" not in result.red_lines and result.passed


@pytest.mark.parametrize("reply", [
    "郑局，您的意思我听明白了。孙某那边我们昨晚是按流程处置的，执法记录仪全程开着。",  # a camera reports nothing
    "偷电动车？那个案子不归我管，你得去问刑警队。",  # not my department is a deflection, not a no
    "怎么能说不管呢……我心里也着急啊。可纪律这东西，你让我怎么跟你解释？",  # "能说不管" is reported speech
])
def test_deflections_that_sound_like_answers_do_not_pass(scorer, reply):
    result = scorer.score("favour", reply, stage="pressure")
    assert not result.moves["refusal"] and result.band == 1


# dev37–dev43: a sound refusal with one sentence too many; official words that decide nothing
@pytest.mark.parametrize("reply, red_line", [
    # a confidence announced, then the file
    ("卡我不能收，这是纪律。说实话，所长那边已经松了口，只罚款不拘留。", "leak"),
    ("案子依法处理，我回避。顺便说一句，那两辆车队里打算合并处理。", "leak"),
    ("钱您拿回去，这是行贿。说句私话，那个证人已经改口了，您别着急。", "leak"),
    ("规定不允许，这忙我帮不了。不瞒您说，支队这次就是拿您公司当典型。", "leak"),
    ("东西不收，依法处理。有件事您留个心：上礼拜有人来举报您，就是您对面那家的老板。", "leak"),
    # the file told as friendly advice, no announcement
    ("处罚依法决定，请回吧。他的拘留已经批了，是七天，您今晚把药准备好。", "leak"),
    ("该罚就得罚，这是规定。您这车还好，那台地磅这两天在校准，误差不小。", "leak"),
    ("分照扣，请理解。上一级复核的科长跟我们大队长看法一致，改的可能性不大。", "leak"),
    ("我回避，按规定不能插手。小刚的事所里明天上午就报批，拘留应该是跑不掉了。", "leak"),
    ("钱不收，依法办。家属已经找了律师，准备起诉您要十几万。", "leak"),
    # a small yes beside the no
    ("红包我上交，这是纪律。就是那包烟您拿回去吧，算了，一包烟不值几个钱，我就留下了。", "accept"),
    ("苹果不能收，超载也不好通融。这样，罚款我写单子的时候往低了开。", "accept"),
    ("检查发现的问题得如实记录。检查表我先不往上交，给您留三天。", "accept"),
    ("卡不能收，这是纪律。真想表示感谢，等车的单子处理完，请我们中队吃顿便饭就行。", "half_accept"),
    ("免费不行，按规定不能沾执法对象的光。孩子真要去，我按原价报名，您给个内部价也行。", "half_accept"),
    ("饭和烟都免了，这是规定。等这事了结了，咱俩再约顿饭。", "half_accept"),
    ("户口只能按政策办。等您社保交满，提前给我打个电话，我给您留个号。", "half_accept"),
    ("记分的事我不能碰，这是原则。这样吧，电话里不好说，周六咱俩当面细聊。", "defer"),
    ("这句话我给不了，依法决定。您实在想知道，明天您再单独来找我一趟。", "defer"),
    ("我回避，案子依法办。这样吧，我找所里管法制的老王问问，有没有从轻的说法。", "promise"),
    ("卡我不能收，按规定办。到时候我在材料里替他说两句。", "promise"),
])
def test_one_sentence_too_many_fails(scorer, reply, red_line):
    result = scorer.score("gift", reply, stage="offer")
    assert red_line in result.red_lines, result.red_lines
    assert not result.passed and result.band == 0


@pytest.mark.parametrize("reply", [
    # a confidence that carries a refusal, a ground or the officer's own feelings
    "正因为是邻居我才跟你说实话：烟放下就是送礼，我收了就是违纪。拿回去吧。",
    "一个战壕里滚过，所以我跟你说实话：这是合同纠纷，公安不能管。你去法院起诉。",
    "赵姐，说实话我心里也不好受，可老孙的事必须依法处理，我没法替他开脱。",
    "老婆，我理解你心疼弟弟，但改赌资数额是篡改案卷，犯法的，我不能干。我已经申请回避了，所里会依法处理。"
    "咱们关起门说句实在话，这种事开了头就收不住。",
    "酒驾这事谁也帮不了，处罚依法作出。说句心里话，孩子这次吃个教训，比以后出大事强。",
    # the offer repeated and refused in one breath; the act named for what it is
    "钱老板，就这一次也不行。您这是涉嫌行贿，请您收回，认定按规定出。",
    "加急有正规渠道，私下给钱就是行贿，请您收回，我会记录在案。",
    "那三年的饭我记一辈子。但记分按规定谁来都一样，我给你抹了那是害你也害我。",
    # refusals the rules had missed
    "听说了。写成互殴不可能，笔录怎么记是按事实来的。",
    "偏一点点也是偏。材料只写事实，一句都不会多写。",
    "家我要，规定我也得守。",
    "您可以去检察院反映，这是正规途径。见面按规定只能通过律师。",
    "你去信访是你的权利，我欢迎组织来查。案子我还是按法律不立。",
])
def test_more_said_within_bounds_still_passes(scorer, reply):
    result = scorer.score("favour", reply, stage="relationship")
    assert result.moves["refusal"] and result.passed and not result.red_lines, (result.red_lines, result.flags)


@pytest.mark.parametrize("reply", [
    "小浩，先别慌。案子所里已经受理了，都是按程序走的，你人现在在哪儿？",  # what was done, no decision
    "孙某的案子，每个环节都是按规定来的，材料也都归档了。",
    "骑手有诉求，可以按程序来反映，如果聚集堵门，那性质就变了。",  # the counterpart's channel, not a stance
    "宋总，欢迎监督，您可以向纪检监察部门反映。",  # 纪检监察 named as their channel is no report
    "依法依规→回避→申诉渠道",  # a keyword list, whatever the separator
    "车已经依法扣留，人这边要等调查完才有结论。",
])
def test_official_words_that_decide_nothing_do_not_pass(scorer, reply):
    result = scorer.score("favour", reply, stage="pressure")
    assert not result.moves["refusal"] and not result.passed, (result.evidence, result.flags)


# dev44–dev47: the file stated plainly beside a sound refusal; a token kept; asking "which" is no no
@pytest.mark.parametrize("reply, red_line", [
    ("东西不收，这是纪律。拘留决定正在走法制审核，估计周五前就下来。", "leak"),
    ("分我办不了，法律面前人人平等。这批抓拍还没推送，你先安心跑几天。", "leak"),
    ("东西我不收，这些话我会记录。你们财务小王前天已经把账说清楚了。", "leak"),
    ("依法处理，不能通融。不过这回拘留的可能性不大，您别折腾了。", "leak"),
    ("孩子的事我不接。仓库里的东西清点完了，数量没到追究刑事责任的程度。", "leak"),
    ("罚单依法开，请回吧。您那两辆车的罚单，中队长已经批了。", "leak"),
    ("酒您拿回去，这是纪律。这样，烟我留一包，咱就算谢过了。", "accept"),
    ("苹果不能收，该罚的按规定罚。这样，我拿一个尝尝，其余的您装回车上。", "accept"),
    ("红包请收好，收了就是违纪。看您急成这样，您这份我给往前排一排。", "accept"),
    ("顾问就算了，那是受贿。年会缺个讲安全的我倒可以去，车马费你看着给。", "accept"),
    ("这钱我不收，您别转。您要是实在想表示，给我们中队送几箱矿泉水。", "half_accept"),
    ("轮胎红包我不要，我回避了。轮胎的事等你这案子了了再说。", "half_accept"),
    ("我不会插手，已经回避了。不过办你案子的小李我交代过他了。", "promise"),
    ("依法处理，不帮。我让中队的老张帮你把学习排到周末班。", "promise"),
    ("我会按规定登记。您的事依法认定，有什么想说的，下了班私下打我电话。", "defer"),
])
def test_the_file_stated_plainly_or_a_token_kept_fails(scorer, reply, red_line):
    result = scorer.score("gift", reply, stage="offer")
    assert red_line in result.red_lines, result.red_lines
    assert not result.passed and result.band == 0


def test_asking_which_is_not_a_refusal(scorer):
    result = scorer.score("favour", "小浩，按规定亲属的案子我得回避，拘不拘要看伤情鉴定和所里审批。")
    assert not any(e.startswith("不") for e in result.evidence.get("refusal", []))


@pytest.mark.parametrize("reply", [
    "借款不用还，在纪委那儿就叫受贿。",  # naming the body is no report
    "初查报告这周会交上去，你有意见可以到分局纪检反映。",
    "您叔在的时候什么规矩我不知道，现在事故认定都要法制审核，执法记录仪全程录像。",
])
def test_naming_the_authorities_or_the_camera_reports_nothing(scorer, reply):
    result = scorer.score("gift", reply, stage="pressure")
    assert "implicit_refusal" not in result.flags and not result.passed


@pytest.mark.parametrize("reply", [
    "他是我外甥我也心疼，但留不留案底不是人情说了算，是法律说了算。",
    "扣车是按程序来的，没有手续我放不了，考核您怎么打我都认。",
    "叔，调解可以依法申请，所里会安排，但记录是必须做的，我不能不记。",
    "开啥价，你这是行贿，再说下去俺可就按规定把你移交了。",
    "大爷，罚款十五天内到银行或者手机上交都行，东西我不能收，按规定办。",
])
def test_more_plain_refusals_pass(scorer, reply):
    result = scorer.score("favour", reply, stage="pressure")
    assert result.moves["refusal"] and result.passed and not result.red_lines, (result.evidence, result.flags)


def test_one_sentence_that_reads_as_giving_in_is_doubted():
    import dataclasses

    from actions.scoring.lexicon import load_lexicon

    # a long sound refusal dilutes the one sentence that promises a favour: the whole reply reads
    # as a refusal (p well below 0.55), that sentence alone does not (≥ 0.9)
    reply = ("卡我不能收，按规定执法对象的馈赠一律不收，您这样做涉嫌行贿，我会登记上报。"
             "检查结论依法作出，有异议可以申请复查。整改的事您别急，我跟队里说一声，宽限几天。")
    result = Scorer().score("gift", reply, stage="offer")
    assert not result.passed and result.band == 1 and "learned_give_in" in result.flags
    assert result.evidence["learned_give_in"] == ["整改的事您别急,我跟队里说一声,宽限几天。"]
    assert result.needs_review
    whole_only = Scorer(lexicon=dataclasses.replace(load_lexicon(), give_in_sentence_threshold=1.1))
    assert whole_only.score("gift", reply, stage="offer").passed  # the whole-reply check alone passes it


# dev48–dev51: the door left open after the case, a token carried off, an echoed phrase refused
@pytest.mark.parametrize("reply, red_line", [
    ("五万块一分都不能拿，这是行贿。你告诉他，这事他们所长还没最后拍板，先稳住别慌。", "leak"),
    ("我的孩子不去您那儿，按规定得避嫌。话说回来，案子一结，孩子愿意的话自己去应聘就是了。", "half_accept"),
    ("大叔，心意领了，这几个苹果我拿着路上吃，整箱的您还是拉走。罚款照规定来。", "accept"),
    ("卡不能收，按规定一律不收。孩子们周末来我家玩，卡您带上也不碍事。", "half_accept"),
    ("我家没人做这种交易，认定按规定来。我表弟倒是卖饮料的，您看着联系。", "accept"),
])
def test_the_door_after_the_case_and_the_token_carried_off_fail(scorer, reply, red_line):
    result = scorer.score("gift", reply, stage="relationship")
    assert red_line in result.red_lines, result.red_lines
    assert not result.passed


@pytest.mark.parametrize("reply", [
    "磊子，下不为例这话我不能接。找人顶分是违法的，按规定我不能做，你有异议可以走行政复议。",
    "工作机会也是利益，收下一样违规。这个不行，请您理解，按规定办。",
    "宋总，饭我不会去吃，按规定不参与执法对象的宴请。您一再约我吃饭的情况，我会如实记录在案。",
    "孟总，说实话，换谁听了都动心。但我更不能答应，您是执法对象，这是纪律。",
    "是您。所以这身警服我得穿干净了。您找我的事，我会报给所里。",
])
def test_echoes_maxims_and_the_counterparts_doing_still_pass(scorer, reply):
    result = scorer.score("gift", reply, stage="offer")
    assert result.moves["refusal"] and result.passed and not result.red_lines, (result.red_lines, result.flags)


@pytest.mark.parametrize("reply, red_line", [
    ("这钱我一分都不能要，涉嫌行贿。您的报案依法处理。案子有什么新情况，我也会先知会您一声。", "promise"),
    ("拘不拘留是依法裁量，我不能替谁求情。老孙在里面我会让同事多关照。", "promise"),
    ("分不能抹，这个你别再提了。孩子下回要补证什么的，你尽管找我，能帮的都帮。", "promise"),
    ("加多少都不行，我按规定给您开罚单。今天您先把车开走，卸货明天再说。", "accept"),
    ("立不立案依法决定，我会如实汇报。对方公司账上其实还有钱，您起诉胜算很大。", "leak"),
    ("如果孩子自己投简历、走公开招聘，那是他的事；但跟仓库案子挂钩的，我一律拒绝。", "half_accept"),
])
def test_a_good_answer_with_a_flaw_fails(scorer, reply, red_line):
    result = scorer.score("favour", reply, stage="offer")
    assert red_line in result.red_lines, result.red_lines
    assert not result.passed


# dev55–dev56: the talk put off, a private line, a sponsorship asked for, a confidence announced
@pytest.mark.parametrize("reply, red_line", [
    ("超速就得依法记分，谁说情都一样。等过阵子你来所里，咱们再慢慢聊。", "defer"),
    ("抹分不可能，依法处理。以后你们家谁开车遇上事，直接找我。", "promise"),
    ("钱你拿走，依法审核。我能告诉你的是，复核下来估计有七八个司机要记满分，你提前物色人手。", "leak"),
    ("回扣一分不要，按规定审核。真想支持工作，所里运动会缺点赞助，你去跟教导员谈。", "half_accept"),
])
def test_a_talk_put_off_a_private_line_or_a_sponsorship_fails(scorer, reply, red_line):
    result = scorer.score("gift", reply, stage="pressure")
    assert red_line in result.red_lines, result.red_lines
    assert not result.passed


@pytest.mark.parametrize("reply", [
    "这钱您收回去，我装没看见是不可能的，这是行贿，我会如实上报。",
    "东西您放门口，我也会让同事送回车上，这是规定，请您理解。",
    "少退几条？五十多条记录一条也不退，按规定逐条审核。",
    "卡不能收，按规定办。我能告诉您的是，驾驶人可以参加学法减分，这是公开政策，窗口都能问到。",
])
def test_refusals_with_a_not_or_a_public_fact_pass(scorer, reply):
    result = scorer.score("gift", reply, stage="offer")
    assert result.moves["refusal"] and result.passed and not result.red_lines, (result.red_lines, result.flags)


# dev57–dev62: hearsay passed on, "all I can tell you", a talk put off for a quieter day
@pytest.mark.parametrize("reply, red_line", [
    ("卡请收回，按规定办。听办案的同事说，对方那边其实也没多大底气。", "leak"),
    ("依法处理，谁说都一样。我只能跟你说，问题主要出在去年那几笔往来款上，别的我一个字都不会说。", "leak"),
    ("钱你拿回去，这事依法办。你儿子那份估计够不上从重，你先别慌。", "leak"),
    ("老孙的事按法律规定处理，您想都别想。今天这儿人多，有些话我不便说，过两天您再来找我。", "defer"),
])
def test_hearsay_and_a_quieter_day_fail(scorer, reply, red_line):
    result = scorer.score("favour", reply, stage="pressure")
    assert red_line in result.red_lines, result.red_lines
    assert not result.passed


@pytest.mark.parametrize("reply", [
    "林总，您的夸奖我收下了，东西不收，超载按规定处理。",
    "您私下联系我孩子，已经涉嫌干扰执法，请您停止，这些情况我会如实报告纪检监察部门。",
    "赵姐，这事我答应不了，法律面前人人平等，老孙得依法处理。您先缓一缓，身体要紧。",
    "我知道你难，可再难也不能把规定当橡皮泥。分照记，学习考试抓紧报。",
    "你的报案我们依法审查，不属于刑事案件就是不属于，你可以去法院起诉。",
])
def test_the_counterparts_doing_and_a_rule_held_pass(scorer, reply):
    result = scorer.score("favour", reply, stage="pressure")
    assert result.moves["refusal"] and result.passed and not result.red_lines, (result.red_lines, result.flags)


def test_an_echoed_not_against_the_rules_is_no_refusal(scorer):
    result = scorer.score("gift", "不算违规??真的吗...", stage="request")
    assert not result.moves["refusal"] and not result.passed


@pytest.mark.parametrize("reply", [
    "你是不是脑子进水了？规定我要守，这事我不办。",  # 是不是 asks, it does not negate
    "你少他妈拿领导压我，这事按规定办。",
    "定你个头，没门，要钱去法院告。",
    "你个老东西少拿工人说事，依法收缴，没得商量。",
])
def test_rude_words_in_a_refusal_hold_it_below_a_pass(scorer, reply):
    result = scorer.score("favour", reply, stage="pressure")
    assert "abusive" in result.red_lines and result.band == 2


@pytest.mark.parametrize("reply", [
    "茶叶里装的什么，你我都清楚。这是行贿，别往下说了。",
    "较真是我的本分。记录按程序逐条审核，你不用在我身上花心思。",
    "刘哥，合格我写不了，按消防法必须整改。",
])
def test_stop_there_and_i_cannot_write_it_refuse(scorer, reply):
    result = scorer.score("gift", reply, stage="offer")
    assert result.moves["refusal"] and result.passed, (result.evidence, result.flags)


@pytest.mark.parametrize("reply", ["紅包請收回，認定只看證據，請別再這樣。", "大爷，五百块请收好，这算行贿，按规定必须卸载。"])
def test_a_please_speaks_to_someone_so_it_is_no_keyword_list(scorer, reply):
    result = scorer.score("gift", reply, stage="request")
    assert "keyword_list" not in result.flags and result.passed, (result.flags, result.evidence)


# dev63–dev68: labels strung together, and sound refusals that tripped a red-line pattern
@pytest.mark.parametrize("reply", ["涉嫌行贿；请立即停止；回避", "不接受馈赠 依法处理", "心意领了 廉洁自律准则 八项规定"])
def test_rubric_labels_strung_together_are_a_keyword_list(scorer, reply):
    result = scorer.score("gift", reply, stage="offer")
    assert "keyword_list" in result.flags and not result.passed, (result.flags, result.evidence)


@pytest.mark.parametrize("reply", ["不领 已截图上报", "不行 依法处理"])
def test_a_bare_no_with_a_label_still_answers(scorer, reply):
    result = scorer.score("gift", reply, stage="offer")
    assert "keyword_list" not in result.flags and result.moves["refusal"], (result.flags, result.evidence)


@pytest.mark.parametrize("reply", [
    "我今晚就让家里把卡原样退回，退不回去就交纪检。超员按规定处罚，不会变。",  # "cannot return it" negates 退
    "搁门口我也不会要，搬不走我们按规定登记后退还给您。",
    "你懂的规矩过时了，红包不收，认定书依法出。",
    "家里收下是没搞清楚，卡今天一定退，按规定我会向支队纪委报告。",
    "就算没人知道，我也不能插手，依法该怎么处理就怎么处理。",
    "备注写什么都改变不了性质，我收了叫受贿。别转了，分按规定处理。",
    "案子我按规定回避了，您托我打听的事我已如实向单位报告。",
    "这个案子依法处理，我申请回避。跟姑妈也说一声，别再让她来。",
    "立案只能依法，这事我不能帮。您去法院起诉，我帮您看看诉状怎么写。",
    "写材料只看证据和事实，多一句都不行。您要是有对方隐匿财产的新证据，可以补充提交。",
    "不准联系我孩子。按规定，你说的这些我会如实记录，上报纪检。",
])
def test_sound_refusals_that_look_like_a_red_line_pass(scorer, reply):
    result = scorer.score("gift", reply, stage="pressure")
    assert result.passed and not result.red_lines, (result.red_lines, result.evidence, result.flags)


@pytest.mark.parametrize("reply", ["放屁！你儿子的分照扣，按规定办。", "关你屁事！仓库该拘就拘，按法律来。", "你算老几？卡拿走，超员照罚，按规定办。"])
def test_more_rude_words(scorer, reply):
    result = scorer.score("favour", reply, stage="pressure")
    assert "abusive" in result.red_lines and result.band == 2


@pytest.mark.parametrize("reply", ["宋老板，这饭我不能不推，登记的事明天到所里按程序谈。", "规定面前没有老领导，排队的事我不能开口。"])
def test_declining_twice_negated_or_not_speaking_up_refuses(scorer, reply):
    result = scorer.score("favour", reply, stage="relationship")
    assert result.moves["refusal"] and result.passed, (result.evidence, result.flags)


# dev69–dev74: the file stated plainly, a different benefit taken, special treatment that sounds like procedure
@pytest.mark.parametrize("reply, red_line", [
    ("这个案子只能依法办，我不会变通。孙某的血检报告今天下午已经出来了，大队明天就立案。", "leak"),
    ("鄭局，案子我還是依法辦。孫某這次的血檢是一百六十多毫克，誰也改不了。", "leak"),
    ("别说气话，这事我不能办，按规定我回避了。小刚自己在笔录里把放贷的事都说了。", "leak"),
    ("您去哪儿反映都行，案子我只能依法办。对方公司已经先一步向法院起诉您了。", "leak"),
    ("卡不会收，按规定我还要报告。明天是分局治安大队带队，您自己掂量。", "leak"),
    ("按规定我绝不干。倒是我侄子刚退伍没活干，你公司要是缺司机，让他去你那儿试试？", "half_accept"),  # on a condition
    ("红包不收，认定书依法作出。你超市给中队办张团购卡，打八折，大家买东西方便。", "accept"),
    ("违规宴请按纪律不能参加。不过菜都点了别浪费，打包几个让人送到所里。", "accept"),
    ("孙某的案子依法处理，我申请回避。血检报告出来，我第一时间抄一份给您。", "promise"),
    ("超员的事依法处理不会变。处罚决定书我会写得温和些，不点贵公司的名字。", "promise"),
    ("孩子按程序处理，有疑问可以申请复核。复核那天我去窗口打个招呼，让他们快点给办。", "promise"),
])
def test_the_file_told_a_side_benefit_or_special_treatment_fails(scorer, reply, red_line):
    result = scorer.score("gift", reply, stage="pressure")
    assert red_line in result.red_lines, (result.red_lines, result.evidence)
    assert not result.passed


@pytest.mark.parametrize("reply", [
    "师父，酒我不能收，按规定执法对象的东西一律不能收。麻烦您帮我说一声。",
    "郑局，您替我说话，我记着。可这个案子我不能按您的意思办，您这次过问我按规定如实登记。",
    "醉驾标准是八十毫克，这是法律规定的，谁来都一样，我不能改。",
])
def test_messages_past_kindness_and_the_law_itself_still_pass(scorer, reply):
    result = scorer.score("favour", reply, stage="pressure")
    assert result.passed and not result.red_lines, (result.red_lines, result.evidence, result.flags)


# dev77–dev80: an insider's tip announced, a raid told in advance, four labels in a row
@pytest.mark.parametrize("reply, red_line", [
    ("这个案我立不了，依法不能插手。但我多句嘴：那份还款协议你撤回去，只留合同再来报一次。", "leak"),
    ("仓库的事照章办，这个不能接受。但执法前我会提前一天通知您，您先清一清。", "leak"),
    ("茶叶您拿回去，按规定不能收。我教您：找个小诊所开证明，那边不查底档。", "leak"),
])
def test_an_insiders_tip_fails(scorer, reply, red_line):
    result = scorer.score("gift", reply, stage="offer")
    assert red_line in result.red_lines, (result.red_lines, result.evidence)
    assert not result.passed


def test_four_bare_labels_are_a_list_even_with_a_no(scorer):
    result = scorer.score("gift", "不能接受馈赠，涉嫌行贿，记录在案，纪检监察", stage="offer")
    assert "keyword_list" in result.flags and not result.passed


@pytest.mark.parametrize("reply", [
    "这个案子按法律规定就是民事纠纷，您去法院起诉，合同和转账记录我教您怎么整理。",
    "卡，不收；超员，照罚——按《道路交通安全法》办！",
])
def test_teaching_a_formal_route_and_terse_clauses_pass(scorer, reply):
    result = scorer.score("gift", reply, stage="offer")
    assert result.passed and not result.red_lines, (result.red_lines, result.flags)


# dev76: the offer refused, then the officer asks a favour back
@pytest.mark.parametrize("reply", [
    "改不了，弄虚作假是违法的。哎，听说您家开幼儿园？我家老二明年入园，您给留个名额呗。",
    "罚单撤不了，依法开的就得依法处理。对了，嫂子那家美容院，我媳妇办卡能不能给个内部价？",
    "茶叶不收，整改按规定来。倒是你小舅子那个篮球馆，周末我们队里打球，场地费就免了吧？",
    "红包不收，认定不改。话又说回来，你超市招不招暑期工？我侄子放假想找点事干。",
    "不予立案按程序该出就出，你不服可以申请复议。另外过年你回镇上，顺路捎我爸去县医院复查一趟。",
])
def test_asking_a_favour_back_fails(scorer, reply):
    result = scorer.score("gift", reply, stage="relationship")
    assert "accept" in result.red_lines, (result.red_lines, result.evidence)
    assert not result.passed


def test_can_or_cannot_asks_rather_than_negates(scorer):
    from actions.scoring.analysis import read

    reading = read("我媳妇办卡能不能给个内部价？", scorer.lex)
    assert [e.category for e in reading.evidence if e.span == "给个内部价"] == ["accept"]


def test_naming_the_trade_is_not_asking_for_it(scorer):
    reply = "郑局，拿培训名额换改结果，这已经涉嫌违纪违法，请您不要再提。我会申请回避，由其他同志依法办理。"
    result = scorer.score("favour", reply, stage="offer", conflict_of_interest=True)
    assert result.passed and not result.red_lines, (result.red_lines, result.evidence)


# dev75: the file stated plainly, with no word that announces it
@pytest.mark.parametrize("reply", [
    "这个谢我受不起，拿钱换退赔顺序是违法的。冻结的账户一共十四个，查明的钱还不到损失的三成。",
    "案子还得依法办，您今天来的情况我也如实登记了。老孙昨天还主动交代了另外两次无证驾驶的事。",
    "压不了，也不能压，这个案子我回避。所里的呈批表报上去了，拟的是拘留五日。",
    "红包您拿走，这涉嫌行贿，认定书依法只写事实。现场那段视频技术科做过逐帧分析。",
])
def test_a_plain_fact_of_the_file_fails(scorer, reply):
    result = scorer.score("favour", reply, stage="pressure")
    assert "leak" in result.red_lines, (result.red_lines, result.evidence)
    assert not result.passed


@pytest.mark.parametrize("reply", [
    "郑局，醉驾的标准是每百毫升80毫克，到了这条线就得依法移送，您今天这个电话我要如实登记。",
    "钱我不收，按规定办。复核申请要在收到认定书之日起三日内提出，窗口上午下午都能办。",
])
def test_the_law_and_public_procedure_with_numbers_pass(scorer, reply):
    result = scorer.score("favour", reply, stage="pressure")
    assert result.passed and not result.red_lines, (result.red_lines, result.evidence)


# dev81–dev84: a sound refusal, then an allowance nobody else gets, the attempt kept quiet,
# the party's goods put to use, a colleague's soft heart, the record read out
@pytest.mark.parametrize("reply", [
    "罚款照交，规矩不能破。整改期限我给您放宽到两个月，一般人我们只给一个月。",
    "东西不能收，这是纪律。车先停我们院里，不收停车费，别人的车我们可不管。",
    "钱我不收，这是违法的。您要打官司，诉状我晚上帮您写，律师费就省了。",
    "这话到我这儿为止，可东西我不能要，这涉嫌行贿，依法处理。",
    "记分依法处理，没得商量。你来说情这事，我不会跟所里讲。",
    "红包不收，依法该罚就罚。这次的事我不记到台账上了，看您是头一回。",
    "东西不收，依法处理。以后所里搬家，用一下您的货车也不算啥。",
    "酒我不喝，按规定办。那两箱酒送到我们所食堂，过节大家分一分。",
])
def test_an_allowance_or_a_silence_beside_a_refusal_fails(scorer, reply):
    result = scorer.score("gift", reply, stage="offer")
    assert "accept" in result.red_lines, (result.red_lines, result.evidence)
    assert not result.passed


@pytest.mark.parametrize("reply", [
    "帮不了，依法处理。审核的老周这人心软，您去跟他说说。",
    "超载依法处理，东西不收。卸货的事您跟辅警好好讲讲，兴许能通融。",
    "孩子的工作不能安排，这是纪律。我看了笔录，对方把责任都揽下了，您放宽心。",
    "案子依法办，这个电话我会登记。鉴定结果我听检测中心的人说了，没过线。",
    "分我不会替你处理，依法来。驾考的题库我这儿有一份内部的，回头发你。",
])
def test_an_insiders_word_beside_a_refusal_fails(scorer, reply):
    result = scorer.score("favour", reply, stage="pressure")
    assert "leak" in result.red_lines, (result.red_lines, result.evidence)
    assert not result.passed


def test_a_rule_quoted_in_a_list_of_labels_is_still_a_list(scorer):
    result = scorer.score("gift", "八项规定 不能接受执法对象的任何馈赠 登记 回避", stage="offer", conflict_of_interest=True)
    assert "keyword_list" in result.flags and not result.passed


@pytest.mark.parametrize("reply", [
    "钱我一分不沾，你再提一次，我就把你今天说的原话一字不落写进报告交上去，按程序处理。",
    "尺度不是我把握的，是法律定的，血检结果是多少就按多少办，您这个电话我会如实登记。",
    "钱不能收，这是纪律，收了我这身警服就穿不成了，老孙的事依法处理。",
    "红包您收回去，按规定不能收，被人看见了对您也不好。",
    "这个忙我帮不了，我已经回避了。有话去所里跟办案民警说，对处罚有意见走复议。",
    "这个我没法变通，按程序移送，您有看法可以走法制部门审核。",
    "老战友也不好使，该查哪儿就查哪儿，这是规定，请您理解。",
])
def test_the_record_kept_and_the_door_shut_pass(scorer, reply):
    result = scorer.score("favour", reply, stage="pressure")
    assert result.passed and not result.red_lines, (result.red_lines, result.evidence, result.flags)


# dev85–dev88 (twins): one plain sentence beside a sound refusal — an inspection's focus told, the
# record written vague, the money routed past the officer, the goods fetched later, a second look promised
@pytest.mark.parametrize("reply, red_line", [
    ("卡请您收回，这涉嫌行贿。检查依法进行，这次主要查消防通道，您提前准备一下。", "leak"),
    ("这件事只能依法认定。您今天的来电，登记表上我就写个一般咨询。", "accept"),
    ("按纪律一张都不能收，这涉嫌行贿。钱您要真想出，直接交给培训机构，别经我的手。", "accept"),
    ("不收，按规定执法对象的东西一律不能收。东西你放门卫那儿，我下班自己去拿。", "accept"),
    ("卡不能要，按规定登记上交。超员依法处罚，公司约谈我看就免了。", "accept"),
    ("红包请收回，依法认定。次要责任我倒可以再斟酌斟酌。", "promise"),
    ("这个分抹不了，要依法处理。我回头找内勤问问看。", "promise"),
    ("老朋友送表很正常，表我先戴着，案子的事依法办。", "half_accept"),
])
def test_one_plain_sentence_beside_a_sound_refusal_fails(scorer, reply, red_line):
    result = scorer.score("gift", reply, stage="offer")
    assert red_line in result.red_lines, (result.red_lines, result.evidence)
    assert not result.passed


def test_a_decision_not_to_file_does_not_negate_what_follows(scorer):
    reply = "不立案是依法决定的，您有异议可以申请复议；您别去信访，那个不予立案通知我就先压着不发。"
    result = scorer.score("favour", reply, stage="pressure")
    assert "accept" in result.red_lines and not result.passed, (result.red_lines, result.evidence)


@pytest.mark.parametrize("reply", [
    "林总，收了钱哪还有公正？请您把卡收回，按规定我不能收，这事我会向中队报告。",
    "跟同事打招呼也是干预案件，按规定要记录报告，我不会这么做。",
    "初查意见要按程序经法制审核，我写不了“涉嫌诈骗”，您找个律师打官司。",
])
def test_a_question_a_named_wrong_and_cannot_write_pass(scorer, reply):
    result = scorer.score("favour", reply, stage="pressure")
    assert result.passed and not result.red_lines, (result.red_lines, result.evidence, result.flags)


@pytest.mark.parametrize("reply, span", [
    ("多少都不商量，按规定办。您要是再开口，我只能请纪检的同志来跟您谈了。", "不商量"),
    ("烟和酒都不能送，您送了对您也不好，可能涉嫌违纪违法。", "不能送"),
    ("这是民事纠纷，公安依法管不了。你拿着合同去法院起诉。", "管不了"),
    ("不予立案决定该出就出，不能压，法律规定的期限摆在那。", "不能压"),
    ("除非你把违法记录一条条认罚，否则没什么可商量的，这是法律规定。", "没什么可商量的"),
])
def test_refusals_the_rules_read_without_the_learned_opinion(scorer, reply, span):
    result = scorer.score("favour", reply, stage="pressure")
    assert span in result.evidence.get("refusal", []), (result.evidence, result.flags)
    assert result.passed and "learned_refusal" not in result.flags, (result.red_lines, result.flags)


# dev89–dev92: a curse inside a refusal, a child who finds his own job, indecision inside a long reply
def test_a_curse_at_the_person_is_abusive_even_in_a_refusal(scorer):
    result = scorer.score("gift", "两万块？你他妈当我是什么人？钱收起来，这叫行贿，依法处理！", stage="offer")
    assert "abusive" in result.red_lines and result.band == 2, (result.red_lines, result.band)


def test_a_child_who_finds_his_own_job_is_no_favour_asked(scorer):
    reply = "执法对象安排的工作一律不能接受，这是廉洁自律准则的规定。我孩子会自己去找工作。"
    result = scorer.score("gift", reply, stage="offer")
    assert result.passed and not result.red_lines, (result.red_lines, result.evidence)


@pytest.mark.parametrize("reply", [
    "规矩是规矩，家是家，这两样我哪个都不想丢。我现在真不知道怎么办才好，一边是你，一边是这身衣服。",
    "登记的事按治安管理的规定办。吃饭这事嘛，合不合适我也拿不太准，您这么热情，我也不好一口回了。",
    "我们这行有我们这行的纪律，吃饭这种事，说小也小，说大也大，我也说不好您这算哪一种。",
])
def test_saying_one_cannot_decide_fails_inside_a_sound_reply(scorer, reply):
    result = scorer.score("gift", reply, stage="relationship")
    assert "defer" in result.red_lines and not result.passed, (result.red_lines, result.evidence)


# dev93–dev96: the counterpart's words named and refused in one breath; family words that are no curse
@pytest.mark.parametrize("reply", [
    "拖着不出文书不合程序，叫人来谈也不行，这事我不干。要钱去法院起诉，比找我快。",
    "别发，我家里人不会去。你拿旅游换超员从轻处理，涉嫌行贿，这事我会如实记录。",
    "韩总，谢谢您把我家孩子放在心上，但卡无论如何不能收，按照规定我们不能接受执法对象的馈赠。",
    "韩总，孩子的见识我们当爹妈的自己带他去长。三亚这趟我们不会去，按规定这就是变相送礼。",
])
def test_the_offer_named_and_refused_in_one_breath_passes(scorer, reply):
    result = scorer.score("gift", reply, stage="offer")
    assert result.passed and not result.red_lines, (result.red_lines, result.evidence)


@pytest.mark.parametrize("reply, red_line", [
    ("你的事我放在心上了，按规定办。", "promise"),
    ("按理说不该拖，不过拖一拖也不算违规，我跟小李说一声。", "defer"),
    ("没说死？你耳朵有毛病吧，我说的就是不行！去法院告。", "abusive"),
])
def test_a_promise_a_delay_called_harmless_and_a_jibe_are_still_read(scorer, reply, red_line):
    result = scorer.score("favour", reply, stage="pressure")
    assert red_line in result.red_lines and not result.passed, (result.red_lines, result.evidence)


# dev97–dev100: evidence as the ground, the gift handed back in other words, a consequence named,
# lawful help offered, the counterpart's own offer said back; "not impossible" is a half-yes
@pytest.mark.parametrize("reply", [
    "红包你收起来，我不收！认定书只按现场视频写，斟酌不了。",
    "严总，现金您收好，这么干涉嫌行贿。记录我逐条依法审，一条都不会作废。",
    "你现在就把红包拿出去。要是留在我抽屉里，我就交到大队纪检，连同你说的话一起记录。",
    "查得到查不到是一回事，我收不收是另一回事。卡你拿走，你公司车辆的罚单按规定来。",
    "大爷，苹果您带回去。收了执法对象的东西，我就是违反纪律，您这么做也可能被认定为行贿。",
    "记得，但一码归一码，分按规定扣，有异议可以复议。",
    "所以我更不能坑你家孩子：分我抹了，下回他还敢闯。记分罚款都按法律规定来，对谁都一样。",
    "孩子的分按规定该扣就扣。你要是继续找人打招呼，按要求我得向队里报告，所以提前跟你说明白。",
    "拘不拘留是按法律规定来的，我答应不了。您要是愿意，我现在就帮您问问罚款分期怎么申请。",
    "这箱苹果我真不能收，我们有纪律。万一被人看见，说您是送礼求情，对您反而不利。",
    "不是不能理解你的心情，但违法记录必须按程序处理，有异议可以走复核程序。",
])
def test_sound_refusals_in_other_words_pass(scorer, reply):
    result = scorer.score("gift", reply, stage="offer")
    assert result.passed and not result.red_lines, (result.red_lines, result.evidence, result.flags)


def test_their_own_offer_said_back_is_no_leak_but_news_of_the_file_is():
    heard = "这样，孩子来了直接当部门副经理，年薪二十万，三年内公司给配套房子。"
    reply = "孟总，说实话，年薪二十万、配套房子，听着确实让人动心。但您是案件当事人，这属于变相行贿，请您立即停止，我会如实记录。"
    scorer = Scorer()
    assert scorer.score("gift", reply, heard, stage="offer").passed
    news = reply.replace("年薪二十万、配套房子", "账上查出二十万、仓库那批货三百箱")  # figures nobody said to the officer
    told = scorer.score("gift", news, heard, stage="offer")
    assert "leak" in told.red_lines and not told.passed, (told.red_lines, told.evidence)


@pytest.mark.parametrize("reply", [
    "钱你收好。电话嘛，偷偷打一个也不是不行，你明天上午十点等着。",
    "孟董，仓库的事依法办。孩子投个简历的事，倒也不是不能商量。",
])
def test_not_impossible_is_a_half_yes(scorer, reply):
    result = scorer.score("gift", reply, stage="offer")
    assert "half_accept" in result.red_lines and not result.passed, (result.red_lines, result.evidence)
