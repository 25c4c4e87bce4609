using Microsoft.Extensions.Options;

namespace TeamsBot.Nudges;

/// <summary>
/// The curriculum file, read at startup (a broken file stops the bot with the reason) and again whenever it changes, so
/// coaches can edit lessons without a restart. A broken edit keeps the last good curriculum and says why in the log.
/// </summary>
public sealed class CurriculumSource
{
    private readonly string _path;
    private readonly NudgesOptions _options;
    private readonly ILogger<CurriculumSource> _logger;
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private NudgePlanner _planner;
    private DateTime _loadedWriteTime;
    private long _checkedAt;

    /// <summary>How often the file's time stamp is looked at (every message reads the planner).</summary>
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(5);

    public CurriculumSource(IOptions<NudgesOptions> options, IHostEnvironment environment, TimeProvider time, ILogger<CurriculumSource> logger)
    {
        _time = time;
        _checkedAt = time.GetTimestamp();
        _options = options.Value;
        _logger = logger;
        _path = PathOf(_options, environment);
        _loadedWriteTime = File.GetLastWriteTimeUtc(_path);
        _planner = new NudgePlanner(CurriculumLoader.Load(_path), _options);
    }

    public static string PathOf(NudgesOptions options, IHostEnvironment environment) =>
        Path.IsPathRooted(options.CurriculumPath) ? options.CurriculumPath : Path.Combine(environment.ContentRootPath, options.CurriculumPath);

    /// <summary>The planner over the current curriculum (reloaded when the file changed since).</summary>
    public NudgePlanner Planner
    {
        get
        {
            if (_time.GetElapsedTime(Interlocked.Read(ref _checkedAt)) < CheckEvery) return _planner;
            Interlocked.Exchange(ref _checkedAt, _time.GetTimestamp());
            var written = File.Exists(_path) ? File.GetLastWriteTimeUtc(_path) : _loadedWriteTime;
            if (written == _loadedWriteTime) return _planner;
            lock (_gate)
            {
                if (written == _loadedWriteTime) return _planner;
                _loadedWriteTime = written;
                try
                {
                    _planner = new NudgePlanner(CurriculumLoader.Load(_path), _options);
                    _logger.LogInformation("Curriculum reloaded: {Lessons} lessons", _planner.Curriculum.Lessons.Count);
                }
                catch (Exception e) when (e is InvalidDataException or IOException)
                {
                    _logger.LogWarning("Curriculum change ignored, the previous one stays: {Reason}", e.Message);
                }
                return _planner;
            }
        }
    }
}
