using TeamsBot;

return await HostingExtensions.RunWithConfigurationCheckAsync(() => TeamsBotApplication.Build(args));

public partial class Program;
