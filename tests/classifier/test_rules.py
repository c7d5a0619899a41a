import pytest

from classifier.rules import classify_kind, classify_urgency, evaluate_rules
from tests.classifier.conftest import MESSAGES_CSV

KIND_TABLE = [
    ("举报某公司偷排污水\n每天夜里排放", "report"),
    ("投诉物业乱收停车费\n物业不理", "complaint"),
    ("请问居住证如何办理？\n需要哪些材料", "consult"),
    ("建议增设公交线路\n方便居民出行", "suggestion"),
    ("感谢信\n感谢自来水公司及时抢修", "praise"),
    ("紧急求助\n家里老人生病无人照顾，请帮帮我们", "help"),
    ("小区楼下烧烤店油烟扰民\n晚上十二点还在营业", "complaint"),
    ("关于某路段的情况\n路面有一些情况", "complaint"),  # fallback
    # A question in the title that demands a fix is a complaint, not a consult.
    ("某小区牛肉粉馆油烟扰民何时休！\n每天早上五点开始", "complaint"),
    ("某镇新街的路什么时候能修好？\n坑坑洼洼好几年了", "complaint"),
    ("咨询某县企业社保问题\n想了解缴费基数", "consult"),
    ("某县女代课教师多少岁可以申请退休？\n", "consult"),
    # Forbidden 补课 and 违规招生 expose a third party: report, with or without the word 举报.
    ("某县三中利用暑假偷偷补课\n一个月收700元", "report"),
    # Rhetorical 请问 in a grievance's body does not make it a consult.
    ("某路口废品店乱摆乱放\n占用路面。请问：执法部门的执行力度在哪里？", "complaint"),
    ("某市应抓好公共安全管理，倡导文明养狗\n", "suggestion"),
    ("某区业主小孩无地方上学\n报名系统里找不到我们的楼盘", "help"),
]


@pytest.mark.parametrize(("text", "kind"), KIND_TABLE)
def test_kind_table(text: str, kind: str) -> None:
    result = classify_kind(text)
    assert result.label == kind
    assert result.reason


URGENCY_TABLE = [
    ("小区突然停水了\n到现在还没来水", "urgent"),
    ("楼道里有很重的煤气味", "urgent"),
    ("电梯困人半小时无人处理", "urgent"),
    ("工地基坑塌方，离居民楼不到两米", "urgent"),
    ("菜市场门口有人打架", "urgent"),
    ("自来水公司经常停水\n一年好几次", "normal"),  # habitual outages are complaints, not emergencies
    ("咨询公积金提取流程", "normal"),
]


@pytest.mark.parametrize(("text", "urgency"), URGENCY_TABLE)
def test_urgency_table(text: str, urgency: str) -> None:
    assert classify_urgency(text).label == urgency


def test_rules_evaluated_on_hand_labelled_sample() -> None:
    result = evaluate_rules(MESSAGES_CSV)
    overall = result["overall"]
    assert overall["n"] >= 300
    assert result["random"]["n"] == 320
    # Floors well above the majority-class rate (complaint ≈ 0.45) so a regression in the tables shows up.
    # 0.61 before the title/body split; 0.82 after (rules written while reading this sample: in-sample figure).
    assert overall["kind_accuracy"] >= 0.78
    assert overall["urgent_recall"] >= 0.8
