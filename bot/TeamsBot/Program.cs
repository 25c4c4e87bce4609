using TeamsBot;

var app = TeamsBotApplication.Build(args);
return await app.RunWithConfigurationCheckAsync();

public partial class Program;
