using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using TeamsBot.Protocol.Activities;

// dotnet run -c Release --project bench/TeamsBot.Protocol.Bench -- --filter '*'
// Ratio of interest: parse + WithoutNullListElements (what the endpoint does) ÷ parse alone.
BenchmarkSwitcher.FromAssembly(typeof(ActivityJsonBenchmarks).Assembly).Run(args);

[MemoryDiagnoser]
public class ActivityJsonBenchmarks
{
    // A Teams channel message (mention, clientInfo, HTML attachment) and a conversationUpdate with members.
    private const string ChannelMessage = """
        {"type":"message","id":"1700000000000","timestamp":"2026-11-30T18:00:00.000Z","serviceUrl":"https://smba.trafficmanager.net/amer/","channelId":"msteams",
         "from":{"id":"29:1abc","name":"Ada Employee","aadObjectId":"00000000-0000-4000-8000-000000000001"},
         "conversation":{"isGroup":true,"conversationType":"channel","tenantId":"11111111-2222-3333-4444-555555555555","id":"19:abc@thread.tacv2;messageid=1700000000000"},
         "recipient":{"id":"28:bot","name":"TeamsBot"},"textFormat":"plain","text":"<at>TeamsBot</at> How do I request leave?","locale":"en-US",
         "entities":[{"type":"mention","mentioned":{"id":"28:bot","name":"TeamsBot"},"text":"<at>TeamsBot</at>"},
                     {"type":"clientInfo","locale":"en-US","country":"US","platform":"Web","timezone":"America/New_York"}],
         "attachments":[{"contentType":"text/html","content":"<div><at>TeamsBot</at> How do I request leave?</div>"}],
         "channelData":{"teamsChannelId":"19:abc@thread.tacv2","teamsTeamId":"19:team@thread.tacv2","channel":{"id":"19:abc@thread.tacv2"},
                        "team":{"id":"19:team@thread.tacv2"},"tenant":{"id":"11111111-2222-3333-4444-555555555555"}}}
        """;

    private const string MembersAdded = """
        {"type":"conversationUpdate","id":"f:1","timestamp":"2026-11-30T18:00:00.000Z","serviceUrl":"https://smba.trafficmanager.net/amer/","channelId":"msteams",
         "from":{"id":"29:1abc","aadObjectId":"00000000-0000-4000-8000-000000000001"},"recipient":{"id":"28:bot","name":"TeamsBot"},
         "conversation":{"isGroup":true,"conversationType":"channel","tenantId":"11111111-2222-3333-4444-555555555555","id":"19:abc@thread.tacv2"},
         "membersAdded":[{"id":"28:bot"},{"id":"29:1abc","aadObjectId":"00000000-0000-4000-8000-000000000001"},{"id":"29:2def","aadObjectId":"00000000-0000-4000-8000-000000000002"}],
         "channelData":{"eventType":"teamMemberAdded","team":{"id":"19:team@thread.tacv2"},"tenant":{"id":"11111111-2222-3333-4444-555555555555"}}}
        """;

    [Benchmark(Baseline = true)] public Activity? Parse_message() => JsonSerializer.Deserialize<Activity>(ChannelMessage, ProtocolJson.Options);
    [Benchmark] public Activity? Parse_message_normalised() => JsonSerializer.Deserialize<Activity>(ChannelMessage, ProtocolJson.Options)!.WithoutNullListElements();
    [Benchmark] public Activity? Parse_members() => JsonSerializer.Deserialize<Activity>(MembersAdded, ProtocolJson.Options);
    [Benchmark] public Activity? Parse_members_normalised() => JsonSerializer.Deserialize<Activity>(MembersAdded, ProtocolJson.Options)!.WithoutNullListElements();
}
