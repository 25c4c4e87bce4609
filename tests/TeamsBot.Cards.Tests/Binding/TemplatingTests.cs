using System.Text.Json;
using TeamsBot.Cards.Templating;

namespace TeamsBot.Cards.Tests.Binding;

/// <summary>Each templating feature, with the value a card author would see.</summary>
public sealed class TemplatingTests
{
    internal static JsonElement Expand(string template, string data) =>
        AdaptiveCardTemplate.Parse(template).Expand(JsonDocument.Parse(data).RootElement);

    private static JsonElement V(string expression, string data = """{"n":95,"f":0.85,"s":"hi","b":true,"arr":[1,2,3],"o":{"x":{"y":"deep"}}}""") =>
        Expand($$"""{"v":{{JsonSerializer.Serialize(expression)}}}""", data).GetProperty("v");

    [Fact]
    public void Whole_value_binding_keeps_the_type_and_interpolation_makes_a_string()
    {
        Assert.Equal(JsonValueKind.Number, V("${n}").ValueKind);
        Assert.Equal(95, V("${n}").GetInt32());
        Assert.Equal(JsonValueKind.True, V("${b}").ValueKind);
        Assert.Equal(JsonValueKind.Array, V("${arr}").ValueKind);
        Assert.Equal("Saved 95 minutes", V("Saved ${n} minutes").GetString());
        Assert.Equal("0.85", V("${f}").GetRawText());
        Assert.Equal("95hi", V("${n}${s}").GetString());
        Assert.Equal("5", V("${5}").GetString()); // a constant expression is interpolated, as in the JS engine
    }

    [Fact]
    public void Property_paths_indexing_and_root()
    {
        Assert.Equal("deep", V("${o.x.y}").GetString());
        Assert.Equal("deep", V("${o['x'].y}").GetString());
        Assert.Equal(2, V("${arr[1]}").GetInt32());
        Assert.Equal(95, V("${$root.n}").GetInt32());
        Assert.Equal("deep", V("${O.X.Y}").GetString()); // property names match case-insensitively
    }

    [Fact]
    public void Data_array_repeats_the_element_with_index_and_root()
    {
        var card = Expand("""{"body":[{"type":"TextBlock","$data":"${items}","text":"${$index}. ${name} (${$root.unit})"}]}""",
            """{"unit":"min","items":[{"name":"a"},{"name":"b"},{"name":"c"}]}""");
        Assert.Equal(["0. a (min)", "1. b (min)", "2. c (min)"], card.GetProperty("body").EnumerateArray().Select(e => e.GetProperty("text").GetString()));
    }

    [Fact]
    public void Data_object_scopes_children_and_scopes_nest()
    {
        var card = Expand("""{"body":[{"type":"Container","$data":"${user}","items":[{"type":"TextBlock","text":"${name}"},{"type":"TextBlock","$data":"${tags}","text":"${$data}@${$index}"}]}]}""",
            """{"user":{"name":"Ana","tags":["x","y"]}}""");
        var items = card.GetProperty("body")[0].GetProperty("items");
        Assert.Equal(["Ana", "x@0", "y@1"], items.EnumerateArray().Select(e => e.GetProperty("text").GetString()));
    }

    [Fact]
    public void When_drops_elements_unless_the_condition_is_boolean_true()
    {
        var card = Expand("""{"body":[{"t":"yes","$when":"${count(a) > 1}"},{"t":"no","$when":"${count(a) > 5}"},{"t":"number","$when":"${count(a)}"},{"t":"missing","$when":"${nothere}"}]}""",
            """{"a":[1,2,3]}""");
        Assert.Equal(["yes"], card.GetProperty("body").EnumerateArray().Select(e => e.GetProperty("t").GetString()));
    }

    [Fact]
    public void Empty_data_array_removes_the_element()
    {
        var card = Expand("""{"actions":[{"$data":"${links}","title":"${t}"},{"title":"Ack"}]}""", """{"links":[]}""");
        Assert.Equal(["Ack"], card.GetProperty("actions").EnumerateArray().Select(e => e.GetProperty("title").GetString()));
    }

    [Theory]
    [InlineData("${n > 90 && b}", "true")]
    [InlineData("${n == 95 || false}", "true")]
    [InlineData("${!(n >= 100)}", "true")]
    [InlineData("${n != 95}", "false")]
    [InlineData("${s == 'hi'}", "true")]
    [InlineData("${n < 10 ? 'small' : 'big'}", "\"big\"")]
    [InlineData("${if(b, 'on', 'off')}", "\"on\"")]
    [InlineData("${equals(n, 95)}", "true")]
    [InlineData("${not(b)}", "false")]
    [InlineData("${and(b, n > 1)}", "true")]
    [InlineData("${or(false, empty(s))}", "false")]
    [InlineData("${empty(arr)}", "false")]
    [InlineData("${exists(s)}", "true")]
    [InlineData("${count(arr)}", "3")]
    [InlineData("${length(s)}", "2")]
    [InlineData("${concat(s, '-', n)}", "\"hi-95\"")]
    [InlineData("${toUpper(s)}", "\"HI\"")]
    [InlineData("${toLower('ABC')}", "\"abc\"")]
    [InlineData("${add(n, 5)}", "100")]
    [InlineData("${sub(n, 5)}", "90")]
    [InlineData("${n / 2}", "47")]
    [InlineData("${f * 100}", "85")]
    [InlineData("${string(1234567)}", "\"1,234,567\"")]
    [InlineData("${json('{\"k\":[1]}').k[0]}", "1")]
    [InlineData("${formatDateTime('2026-03-05T14:30:00-05:00', 'yyyy-MM-dd HH:mm')}", "\"2026-03-05 19:30\"")]
    [InlineData("${formatDateTime('2026-03-05T14:30:00Z')}", "\"2026-03-05T14:30:00.000Z\"")]
    [InlineData("${join(arr, ', ')}", "\"1, 2, 3\"")]
    public void Operators_and_functions(string expression, string expectedJson) =>
        Assert.Equal(expectedJson, V(expression).GetRawText());

    [Theory]
    [InlineData("${nothere(1)}")]
    [InlineData("${arr[9]}")]
    [InlineData("${n >= 'a'}")]
    [InlineData("${div(n, 0)}")]
    public void Whole_value_errors_throw_like_the_js_engine(string expression) =>
        Assert.Throws<CardTemplateException>(() => V(expression));

    [Theory]
    [InlineData("${if(n}")]
    [InlineData("${if(b, 1)}")]
    [InlineData("${n +}")]
    public void Invalid_expressions_fail_when_the_template_is_parsed(string expression) =>
        Assert.Throws<CardTemplateException>(() => AdaptiveCardTemplate.Parse($$"""{"v":{{JsonSerializer.Serialize(expression)}}}"""));

    [Fact]
    public void Escaped_expression_start_is_literal_text()
    {
        Assert.Equal("${n}", V("\\${n}").GetString());
        Assert.Equal("$95", V("$${n}").GetString());
    }
}

/// <summary>Missing data behaves as in adaptivecards-templating: the author sees which binding had no data.</summary>
public sealed class MissingDataTests
{
    private static JsonElement V(string expression, string data = """{"user":{"name":"Ana"}}""") =>
        TemplatingTests.Expand($$"""{"v":{{JsonSerializer.Serialize(expression)}}}""", data).GetProperty("v");

    [Fact]
    public void Unresolved_binding_keeps_its_literal_text()
    {
        Assert.Equal("${title}", V("${title}").GetString());
        Assert.Equal("Hello Ana ${user.last}!", V("Hello ${user.name} ${user.last}!").GetString());
        Assert.Equal("${user.address.city}", V("${user.address.city}").GetString());
        Assert.Equal("${$index}", V("${$index}").GetString()); // $index only exists inside a $data array
    }

    [Fact]
    public void Failing_part_of_an_interpolation_is_kept_as_written()
    {
        Assert.Equal("on ${formatDateTime(when, 'yyyy')}", V("on ${formatDateTime(when, 'yyyy')}").GetString());
    }

    [Fact]
    public void Conditions_treat_missing_data_as_false_but_functions_see_the_placeholder()
    {
        Assert.Equal("no", V("${if(user.vip, 'yes', 'no')}").GetString());
        Assert.False(V("${exists(user.vip)}").GetBoolean());
        Assert.True(V("${empty(user.vip)}").GetBoolean());
        Assert.Equal("${USER.VIP}", V("${toUpper(user.vip)}").GetString());
        Assert.Equal("${user.vip}1", V("${user.vip + 1}").GetString());
    }

    [Fact]
    public void Missing_property_in_when_drops_and_missing_array_keeps_one_element()
    {
        var card = TemplatingTests.Expand("""{"a":[{"$when":"${flag}","x":1},{"x":2}],"b":{"$data":"${nothing}","y":"${z}"}}""", "{}");
        Assert.Equal(1, card.GetProperty("a").GetArrayLength());
        Assert.Equal("${z}", card.GetProperty("b").GetProperty("y").GetString());
    }

    [Fact]
    public void Null_data_is_not_missing_data()
    {
        var card = TemplatingTests.Expand("""{"v":"${x}","w":{"$when":"${false}","k":1}}""", """{"x":null}""");
        Assert.Equal(JsonValueKind.Null, card.GetProperty("v").ValueKind);
        Assert.Equal(JsonValueKind.Null, card.GetProperty("w").ValueKind); // as the JS engine: a dropped object property becomes null
        Assert.Throws<CardTemplateException>(() => TemplatingTests.Expand("""{"v":"a ${x}"}""", """{"x":null}"""));
    }
}
