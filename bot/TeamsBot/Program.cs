using TeamsBot;
using TeamsBot.Answers;
using TeamsBot.Conversations;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Storage;

// Composition root: the protocol host, then one extension per slice. Each slice owns its folder, options and routes.
var builder = WebApplication.CreateBuilder(args);
builder.AddTeamsBotProtocol();
builder.AddStorage();
builder.AddConversations();
builder.AddAnswers();

var app = builder.Build();
app.MapTeamsBot();
app.MapHealth();
return await app.RunWithConfigurationCheckAsync();

public partial class Program;
