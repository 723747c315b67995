"""422 answers speak the interface language (issue 8: "every message entirely in the interface language").

pydantic's English ("Field required", "Input should be a valid integer") never reaches the caller:
each error type has its own message, Chinese by default and English when the user chose English.
"""

from typing import Annotated, Literal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from xianfeng.api.errors import translate
from xianfeng.api.types import Date, Id


def errors_of(annotation, value) -> list[str]:
    try:
        TypeAdapter(annotation).validate_python(value)
    except ValidationError as exc:
        return [translate(error) for error in exc.errors(include_url=False)]
    raise AssertionError("the value was accepted")


@pytest.fixture
def api_client(api_world):
    def make(language: str | None = None) -> Client:
        client = Client(HTTP_AUTHORIZATION=api_world.auth["admin"])
        if language:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    return make


def test_resident_create_errors_are_chinese(api_client):
    response = api_client().post(
        "/api/residents/", {"village": "x", "birth_date": "1899-12-31"}, content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "输入无效"
    assert body["errors"] == {"name": ["必填"], "birth_date": ["不能小于 1900-01-01"]}


def test_query_and_date_parsing_errors_are_chinese(api_client):
    client = api_client()
    assert client.get("/api/members/?page=abc").json()["errors"] == {"page": ["请输入整数"]}
    assert client.get("/api/members/?page=0").json()["errors"] == {"page": ["不能小于 1"]}
    response = client.post(
        "/api/residents/", {"name": "甲", "village": "x", "birth_date": "昨天"}, content_type="application/json"
    )
    assert response.json()["errors"] == {"birth_date": ["请输入有效日期，格式为 YYYY-MM-DD"]}


def test_english_interface_gets_english_messages(api_client):
    client = api_client("en")
    response = client.post(
        "/api/residents/", {"village": "x", "birth_date": "1899-12-31"}, content_type="application/json"
    )
    body = response.json()
    assert body["detail"] == "Invalid input"
    assert body["errors"] == {"name": ["Required"], "birth_date": ["Must be at least 1900-01-01"]}
    assert client.get("/api/members/?page=abc").json()["errors"] == {"page": ["Enter a whole number"]}


@pytest.mark.parametrize(
    ("annotation", "value", "message"),
    [
        (Id, "x", "请输入整数"),
        (Id, 1.5, "请输入整数"),
        (Id, 0, "不能小于 1"),
        (Annotated[int, Field(gt=0)], 0, "必须大于 0"),
        (Annotated[int, Field(lt=10)], 10, "必须小于 10"),
        (Annotated[int, Field(le=9)], 10, "不能大于 9"),
        (Date, "2200-01-01", "不能大于 2199-12-31"),
        (Date, "2020-01-01T10:30:00", "请输入日期，不带时间"),
        (Date, "2020-13-01", "请输入有效日期，格式为 YYYY-MM-DD"),
        (Annotated[str, Field(max_length=3)], "甲乙丙丁", "最多 3 个字符"),
        (Annotated[str, Field(min_length=2)], "甲", "至少 2 个字符"),
        (Annotated[list[int], Field(max_length=2)], [1, 2, 3], "最多 2 项"),
        (Annotated[list[int], Field(min_length=1)], [], "至少 1 项"),
        (bool, "maybe", "请输入 true 或 false"),
        (Literal["男", "女"], "x", "必须是以下之一：男、女"),
        (str, 5, "请输入文本"),
        (list[int], "x", "请提供一个列表"),
        (float, "x", "请输入数字"),
    ],
)
def test_each_error_type_has_a_chinese_message(annotation, value, message):
    assert errors_of(annotation, value) == [message]


def test_json_extra_fields_decimals_and_uuids():
    from decimal import Decimal
    from uuid import UUID

    class Strict(BaseModel):
        model_config = ConfigDict(extra="forbid")
        amount: Annotated[Decimal, Field(max_digits=4, decimal_places=1)]
        key: UUID

    try:
        Strict.model_validate_json('{"amount": "12.34", "key": "nope", "other": 1}')
    except ValidationError as exc:
        messages = {error["loc"][0]: translate(error) for error in exc.errors(include_url=False)}
    assert messages == {"amount": "小数点后最多 1 位", "key": "请输入有效的 UUID", "other": "不允许的字段"}
    with pytest.raises(ValidationError) as caught:
        Strict.model_validate_json("{")
    assert [translate(e) for e in caught.value.errors(include_url=False)] == ["不是有效的 JSON"]


def _ours(value: str) -> str:
    raise ValueError("村代码应为 12 位数字")


def _library(value: str) -> str:
    raise ValueError("Could not find EOCD")


def test_value_errors_keep_our_chinese_text_and_hide_library_english():
    assert errors_of(Annotated[str, AfterValidator(_ours)], "1") == ["村代码应为 12 位数字"]
    assert errors_of(Annotated[str, AfterValidator(_library)], "1") == ["输入无效"]


def test_unknown_types_fall_back_to_a_generic_message_never_english():
    assert translate({"type": "is_subclass_of", "msg": "Input should be a subclass of Foo"}) == "输入无效"
    # A message naming a value its ctx lacks is never shown half-filled.
    assert translate({"type": "greater_than", "msg": "Input should be greater than 1"}) == "输入无效"
    with translation.override("en"):
        assert translate({"type": "missing"}) == "Required"


def test_ninjas_own_english_answers_are_ours(api_client):
    client = api_client()
    response = client.post("/api/orgs/", "{not json", content_type="application/json")
    assert (response.status_code, response.json()["detail"]) == (400, "请求体不是有效的 JSON")
    response = client.put("/api/orgs/", {}, content_type="application/json")
    assert (response.status_code, response.json()["detail"]) == (405, "不支持此请求方法")
    assert api_client("en").put("/api/orgs/", {}, content_type="application/json").json()["detail"] == (
        "Method not allowed"
    )


@pytest.mark.parametrize(
    ("language", "not_found", "unauthorized"),
    [
        (None, "未找到（或不在您的权限范围内）", "需要登录或有效的 API 令牌"),
        ("en", "Not found, or outside your scope", "Sign in or send a valid API token"),
    ],
)
def test_not_found_and_unauthorized_speak_the_interface_language(api_client, language, not_found, unauthorized):
    client = api_client(language)
    assert client.get("/api/residents/999999/").json()["detail"] == not_found
    assert client.get("/api/no-such-endpoint/").json()["detail"] == not_found
    anonymous = Client()
    if language:
        anonymous.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert anonymous.get("/api/residents/").json()["detail"] == unauthorized
