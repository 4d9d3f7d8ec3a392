from __future__ import annotations

import pytest

from qa.intent import cue_words, detect


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("BN层的作用是什么?", "role"),
        ("What is dilated convolution used for?", "role"),
        ("GRU 和 LSTM 有什么不同?", "difference"),
        ("What are the drawbacks of Adam?", "cons"),
        ("BN的优缺点", "pros_cons"),
        ("What are the advantages of ReLU?", "pros"),
        ("卷积层的参数量怎么算?", "compute"),
        ("BN 层在训练和推理时有什么区别?", "train_test"),
        ("LSTM 为什么能缓解梯度消失?", "why"),
        ("模型欠拟合了该怎么办?", "how"),
        ("有哪些经典的优化器?", "list"),
        ("什么是感受野?", "definition"),
    ],
)
def test_detect(question: str, intent: str) -> None:
    assert detect(question) == intent
    assert cue_words(intent)


def test_plain_topic_has_no_intent_words() -> None:
    assert detect("感受野") == "general" and cue_words("general") == ()
