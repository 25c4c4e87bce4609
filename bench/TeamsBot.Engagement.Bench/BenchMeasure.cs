using System.Diagnostics;

/// <summary>Times one piece of work with its allocations and the growth of the resident set it causes (Linux: the high-water mark is reset first).</summary>
internal static class BenchMeasure
{
    public static async Task<(T Result, double Seconds, long Allocated, long PeakGrowth)> RunAsync<T>(Func<Task<T>> work)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // Linux: reset the resident-set high-water mark, so the peak below is this work's own.
        try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        var before = Resident("VmRSS");
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var result = await work();
        clock.Stop();
        return (result, clock.Elapsed.TotalSeconds, GC.GetTotalAllocatedBytes(precise: true) - allocated, Math.Max(0, Resident("VmHWM") - before));
    }

    private static long Resident(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]) * 1024;
        return 0;
    }
}
