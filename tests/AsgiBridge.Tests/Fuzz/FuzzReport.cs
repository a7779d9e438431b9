using System.Globalization;
using System.Text;

namespace AsgiBridge.Tests.Fuzz;

/// <summary>The tally of a fuzz run: outcomes by final status and connection end, statuses seen, and the failures.</summary>
internal sealed class FuzzReport(ulong runSeed)
{
    private const int KeptFailures = 20;

    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, Row> _rows = new(StringComparer.Ordinal);
    private readonly SortedDictionary<int, long> _statuses = [];
    private readonly SortedDictionary<string, long> _failureKinds = new(StringComparer.Ordinal);
    private readonly List<string> _failures = [];

    public ulong RunSeed { get; } = runSeed;

    public long Cases { get; private set; }

    public long Connections { get; private set; }

    public long FailureCount { get; private set; }

    /// <summary>The first failures in full (description, exact bytes, outcome).</summary>
    public IReadOnlyList<string> Failures
    {
        get
        {
            lock (_gate)
            {
                return [.. _failures];
            }
        }
    }

    /// <summary>Counts a case; returns how many have been counted.</summary>
    public long Record(FuzzCase fuzzCase, FuzzOutcome whole, FuzzOutcome? pieces, string? failure)
    {
        lock (_gate)
        {
            Cases++;
            Connections += pieces is null ? 1 : 2;
            var finals = whole.FinalStatuses.ToList();
            var key = finals.Count == 0 ? "none" : finals[^1].ToString(CultureInfo.InvariantCulture);
            if (!_rows.TryGetValue(key, out var row))
            {
                _rows[key] = row = new Row();
            }

            row.Add(whole, finals.Count);
            foreach (var response in whole.Responses)
            {
                _statuses[response.Status] = _statuses.GetValueOrDefault(response.Status) + 1;
            }

            if (failure is not null)
            {
                FailureCount++;
                var kind = failure[..Math.Max(0, failure.IndexOf(':', StringComparison.Ordinal))];
                _failureKinds[kind] = _failureKinds.GetValueOrDefault(kind) + 1;
                if (_failures.Count < KeptFailures)
                {
                    _failures.Add($"{failure}\n  {fuzzCase.Describe()}");
                }
            }

            return Cases;
        }
    }

    /// <summary>The summary as Markdown tables.</summary>
    public string ToMarkdown()
    {
        lock (_gate)
        {
            var text = new StringBuilder();
            var invariant = CultureInfo.InvariantCulture;
            text.AppendLine(invariant, $"run seed 0x{RunSeed:X}: {Cases} cases, {Connections} connections, {FailureCount} failures");
            text.AppendLine();
            text.AppendLine("| last final status | cases | closed | reset | hung | refused | >1 response | slowest (ms) |");
            text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            var total = new Row();
            foreach (var (key, row) in _rows)
            {
                text.AppendLine(row.Format(key));
                total.Merge(row);
            }

            text.AppendLine(total.Format("**all**"));
            text.AppendLine();
            text.AppendLine("| status | responses |");
            text.AppendLine("| --- | ---: |");
            foreach (var (status, count) in _statuses)
            {
                text.AppendLine(invariant, $"| {status} | {count} |");
            }

            if (_failureKinds.Count > 0)
            {
                text.AppendLine();
                text.AppendLine("| failure | cases |");
                text.AppendLine("| --- | ---: |");
                foreach (var (kind, count) in _failureKinds)
                {
                    text.AppendLine(invariant, $"| {kind} | {count} |");
                }
            }

            return text.ToString();
        }
    }

    private sealed class Row
    {
        private readonly long[] _ends = new long[Enum.GetValues<FuzzEnd>().Length];
        private long _cases;
        private long _multiple;
        private double _slowestMs;

        public void Add(FuzzOutcome outcome, int finalResponses)
        {
            _cases++;
            _ends[(int)outcome.End]++;
            _multiple += finalResponses > 1 ? 1 : 0;
            _slowestMs = Math.Max(_slowestMs, outcome.Elapsed.TotalMilliseconds);
        }

        public void Merge(Row other)
        {
            _cases += other._cases;
            for (var i = 0; i < _ends.Length; i++)
            {
                _ends[i] += other._ends[i];
            }

            _multiple += other._multiple;
            _slowestMs = Math.Max(_slowestMs, other._slowestMs);
        }

        public string Format(string key) => string.Create(CultureInfo.InvariantCulture,
            $"| {key} | {_cases} | {_ends[(int)FuzzEnd.Closed]} | {_ends[(int)FuzzEnd.Reset]} | {_ends[(int)FuzzEnd.Hung]} | {_ends[(int)FuzzEnd.Refused]} | {_multiple} | {_slowestMs:0} |");
    }
}
