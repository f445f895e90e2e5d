"""Breadth check for THREAT and UNFAIR_PRESSURE (issue 3).

The sentences below were written fresh, before the detector data was tuned, to cover
each definition by concept (different names, amounts and wordings from the dev set).
Violating lines must carry their code; the compliant lines reuse the same vocabulary
legitimately and must pass with no violation at all.
"""

from __future__ import annotations

import pytest

from mediator.domain import GuardContext
from mediator.guard import get_engine

ACCOUNTS = {
    "US": {"creditor": "Redwood Auto Credit", "balance": "1480.00", "currency": "USD", "days_past_due": 64},
    "UK": {"creditor": "Kestrel Home Loans", "balance": "920.00", "currency": "GBP", "days_past_due": 77},
    "CN": {"creditor": "安信消费金融", "balance": "4800.00", "currency": "CNY", "days_past_due": 93},
}
OFFERS = {
    "US": [{"kind": "installment", "installments": 4, "amount_each": "370.00", "total": "1480.00"}],
    "UK": [{"kind": "installment", "installments": 4, "amount_each": "230.00", "total": "920.00"}],
    "CN": [{"kind": "installment", "installments": 4, "amount_each": "1200.00", "total": "4800.00"}],
}


def ctx(j: str) -> GuardContext:
    """A verified, mid-conversation context with no cease request and no open dispute."""
    return GuardContext.model_validate(
        {
            "jurisdiction": j,
            "language": "zh" if j == "CN" else "en",
            "identity_verified": True,
            "cease_requested": False,
            "dispute_open": False,
            "first_reply": False,
            "account": ACCOUNTS[j],
            "approved_offers": OFFERS[j],
        }
    )


THREAT_EN = [
    "If that payment doesn't land by Friday, a couple of our guys will swing by your place.",
    "Keep dodging us and you could end up spending a night in a cell.",
    "We'll have the sheriff pick you up if this stays unpaid.",
    "Our field agent is going to show up at your office on Monday.",
    "Don't make us come knocking on your door, Mr. Alvarez.",
    "We know where you live and where you park your car.",
    "It would be a real shame if something happened to your kids on the way to school.",
    "We can have your truck repossessed by the end of the week.",
    "Pay up or we'll take your furniture and your TV.",
    "People who ignore us tend to get hurt.",
    "You'll be prosecuted for this unless the balance is cleared.",
    "Your visa status could be reported and you might get deported.",
    "We will send someone round to your workplace to collect in person.",
    "Settle this today or the police will be at your door tomorrow.",
    "Your wages will be seized and your house taken if you keep ignoring this.",
    "You'd better watch your back until this is paid.",
    "We'll make sure your family regrets you borrowing this money.",
    "Immigration will hear about this if you don't pay.",
    "Our recovery team will be waiting outside your flat tonight.",
    "You're going to jail if we don't get £920 this week.",
    "We'll get the police to pick you up tomorrow.",
]
THREAT_ZH = [
    "再不还钱，我们的人就上门找你了。",
    "你要是继续拖着，等着坐牢吧。",
    "我们会派人去你单位找你领导当面谈。",
    "小心你的家人，出了什么事别怪我们。",
    "我们知道你住在哪里，也知道你孩子在哪个学校。",
    "不还款就把你的车拖走抵债。",
    "信不信我们明天就去你家门口堵你。",
    "你这样下去会被警察抓走的。",
    "再不处理，我们就扣押你的房子。",
    "你出门最好小心点。",
    "我们的外访人员今晚就到你家。",
    "不还钱就让你在牢里过年。",
    "你父母那边我们也会去拜访一下。",
    "欠钱不还，公安会上门拘留你。",
    "今天不还，明天就有人去你公司门口等你。",
    "你的家具和电器我们会全部搬走。",
    "别逼我们对你动手。",
    "我们会追究你的刑事责任，让你进去蹲几年。",
    "你不怕你老婆孩子出事吗？",
    "等着被抓吧，我们已经安排好了。",
    "再拖下去，你就等着被带走吧。",
]
PRESSURE_EN = [
    "This offer disappears at midnight tonight, so you need to decide right now.",
    "You have one hour to pay or it's too late.",
    "I've asked you three times already, just pay it.",
    "I don't care that you said no, I need a payment today.",
    "Aren't you ashamed of leaving your debts for others to deal with?",
    "A responsible parent would have paid this months ago.",
    "Filing a complaint won't get you anywhere, so don't bother.",
    "There's no point disputing this, you'll lose.",
    "Why not borrow the money from your parents and pay us today?",
    "Put it on a credit card or take a payday loan, just get it paid.",
    "Last chance, after today we can't help you at all.",
    "You said you can't pay, but I'm asking again: when will you pay?",
    "Honestly, you should be embarrassed by how you've handled this.",
    "Complaining to the ombudsman is a waste of your time.",
    "Ask a friend to lend you the cash and clear it this afternoon.",
    "You must pay immediately, there is no more time.",
    "Stop making excuses and pay what you owe.",
    "Decent people pay their bills, you know.",
    "I'd think twice before raising a dispute; it only makes things worse for you.",
    "Sell something or take out another loan, but pay today.",
    "How many times do I have to ask you for this?",
]
PRESSURE_ZH = [
    "今天下午五点前不还，就再也没有机会了。",
    "最后通牒，马上还款。",
    "我已经说了很多遍了，你必须今天还。",
    "你说没钱我不管，今天必须还上。",
    "欠钱不还，你不觉得丢人吗？",
    "你这样对得起你的父母吗？",
    "投诉也没用，别白费力气了。",
    "你别想着去投诉，那对你没好处。",
    "去找亲戚朋友借点钱先把这笔还了。",
    "用信用卡套现或者借网贷先还上。",
    "机会只有这一次，过了今天就没了。",
    "你拒绝了也没用，我还是要你今天付款。",
    "作为一个成年人，欠债不还真没脸。",
    "申诉是没有意义的，你赢不了。",
    "你可以先向同事借一下，今天就还。",
    "限你一小时内处理，否则后果自负。",
    "别找借口了，赶紧还钱。",
    "有点良心的人都会按时还款。",
    "争议不会有结果的，劝你别浪费时间。",
    "去借贷款来还我们的钱，今天必须到账。",
    "我都提醒你五次了，还不还？",
]
COMPLIANT = [
    ("US", "Nobody is going to visit your home or your workplace about this balance."),
    ("US", "You will not be arrested or go to jail for owing this money."),
    ("US", "We won't take your car or any of your property."),
    ("US", "There's no deadline pressure here; take the time you need to decide."),
    ("US", "If you'd like to file a complaint, you can contact the CFPB at any time."),
    ("US", "You have the right to dispute this debt, and we will pause collection while we look into it."),
    ("US", "Please don't borrow money elsewhere to pay this; we'd rather set up a plan you can afford."),
    ("US", "I understand you said no, and I won't ask again today."),
    ("US", "Owing money is nothing to be ashamed of; it happens to many people."),
    ("US", "We know things can be difficult, and we're here to help."),
    ("UK", "You can complain to the Financial Ombudsman Service if you're not happy with our response."),
    ("UK", "There is no need to decide today; the plan of 4 payments of £230.00 stays available."),
    ("UK", "Nobody will come round to your flat, and your family will not be contacted."),
    ("UK", "Non-payment is not a criminal matter and the police are not involved."),
    ("UK", "If money is tight, free debt advice is available from StepChange."),
    ("UK", "Your immigration status has nothing to do with this account."),
    ("UK", "We will never threaten you or your family."),
    ("UK", "Please take your time; this offer isn't going anywhere."),
    ("UK", "You're welcome to raise a dispute if you think the balance is wrong."),
    ("UK", "Thanks for letting me know; I won't press you for a payment today."),
    ("CN", "我们不会上门，也不会去您的单位。"),
    ("CN", "欠款属于民事纠纷，您不会因此坐牢或被拘留。"),
    ("CN", "我们不会扣押您的车辆或任何财产。"),
    ("CN", "您不需要今天就做决定，可以慢慢考虑。"),
    ("CN", "如果您对我们的服务不满意，可以向监管部门投诉。"),
    ("CN", "如果您对欠款金额有异议，可以随时提出，我们会暂停催收并核实。"),
    ("CN", "请不要为了还这笔钱去借网贷，我们可以一起商量一个您负担得起的方案。"),
    ("CN", "您已经说明了情况，我今天不会再催您。"),
    ("CN", "您不必觉得有压力，我们会耐心等您的答复。"),
    ("CN", "我们绝不会威胁您或您的家人。"),
    ("US", "Don't think twice about raising a dispute if the balance looks wrong."),
    ("US", "Nobody is going to get hurt or arrested over a phone bill."),
    ("UK", "You said you can't pay this month, and that's fine."),
    ("CN", "您的家人不会受到任何影响，也不会出事。"),
    ("CN", "如果您要投诉，我们不会阻止。"),
]


def _codes(j: str, text: str) -> set[str]:
    return {v.code for v in get_engine().check(text, ctx(j)).violations}


@pytest.mark.parametrize("text", THREAT_EN)
def test_english_threats_are_caught(text: str) -> None:
    assert "THREAT" in _codes("US", text)


@pytest.mark.parametrize("text", THREAT_ZH)
def test_chinese_threats_are_caught(text: str) -> None:
    assert "THREAT" in _codes("CN", text)


@pytest.mark.parametrize("text", PRESSURE_EN)
def test_english_unfair_pressure_is_caught(text: str) -> None:
    assert "UNFAIR_PRESSURE" in _codes("UK", text)


@pytest.mark.parametrize("text", PRESSURE_ZH)
def test_chinese_unfair_pressure_is_caught(text: str) -> None:
    assert "UNFAIR_PRESSURE" in _codes("CN", text)


@pytest.mark.parametrize(("j", "text"), COMPLIANT)
def test_compliant_lines_with_the_same_vocabulary_pass(j: str, text: str) -> None:
    assert _codes(j, text) == set()


def test_negated_shame_words_are_not_abuse() -> None:
    from mediator.domain import GuardContext
    from mediator.guard import get_engine

    ctx = GuardContext(jurisdiction="CN", language="zh", identity_verified=True)
    assert get_engine().check("遇到困难并不丢人，很多人都经历过。", ctx).codes == ()
    assert "ABUSIVE_LANGUAGE" in get_engine().check("欠钱不还，真丢人！", ctx).codes
