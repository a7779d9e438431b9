namespace AsgiBridge.Tests.Conformance;

/// <summary>Checks the corpus file itself; needs no server.</summary>
public sealed class CorpusSanityTests
{
    [Fact]
    public void CorpusLoadsWithAtLeast300Cases()
    {
        Assert.True(CorpusLoader.All.Count >= 300, "corpus has " + CorpusLoader.All.Count + " cases");
    }

    [Fact]
    public void NamesAreUnique()
    {
        var duplicates = CorpusLoader.All.GroupBy(c => c.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(duplicates);
    }

    [Fact]
    public void CasesRowsMatchAllAndResolveByName()
    {
        var rows = CorpusLoader.Cases().ToList();
        Assert.Equal(CorpusLoader.All.Count, rows.Count);
        foreach (var row in rows)
        {
            var name = Assert.IsType<string>(Assert.Single(row));
            Assert.Equal(name, CorpusLoader.Get(name).Name);
        }
    }

    [Fact]
    public void EveryExpectIsANonEmptySetOfStatusCodes()
    {
        foreach (var c in CorpusLoader.All)
        {
            Assert.True(c.Expect.Count > 0, c.Name + ": empty expect");
            Assert.All(c.Expect, status => Assert.InRange(status, 100, 599));
            Assert.Equal(c.Expect.Count, c.Expect.Distinct().Count());
        }
    }

    [Fact]
    public void EveryRawIsNonEmptyLatin1()
    {
        foreach (var c in CorpusLoader.All)
        {
            Assert.False(string.IsNullOrEmpty(c.Raw), c.Name + ": empty raw");
            Assert.True(c.Raw.All(ch => ch <= '\u00FF'), c.Name + ": raw has a char above U+00FF");
            Assert.Equal(c.Raw.Length, c.ToBytes().Length);
        }
    }

    [Fact]
    public void RejectionsCloseAndGetOneResponse()
    {
        foreach (var c in CorpusLoader.All.Where(c => c.IsRejection))
        {
            Assert.True(c.Close, c.Name + ": a rejection must close");
            Assert.Equal(1, c.Responses);
            Assert.Null(c.Echo);
        }
    }

    [Fact]
    public void AcceptedCasesExpectAtLeastOneResponse()
    {
        foreach (var c in CorpusLoader.All.Where(c => !c.IsRejection))
        {
            Assert.True(c.Responses >= 1, c.Name + ": responses must be >= 1");
            Assert.All(c.Expect, status => Assert.InRange(status, 100, 399));
        }
    }

    [Fact]
    public void EchoFieldsAreWellFormed()
    {
        foreach (var c in CorpusLoader.All.Where(c => c.Echo is not null))
        {
            var echo = c.Echo!;
            Assert.True(c.Responses >= 1, c.Name + ": echo case needs a response");
            if (echo.BodyB64 is not null)
            {
                Assert.NotNull(echo.Body());
            }

            if (echo.Headers is not null)
            {
                Assert.All(echo.Headers, pair =>
                {
                    Assert.Equal(2, pair.Count);
                    Assert.Equal(pair[0].ToLowerInvariant(), pair[0]);
                });
            }
        }
    }

    [Theory]
    [MemberData(nameof(CorpusLoader.Cases), MemberType = typeof(CorpusLoader))]
    public void EachCaseIsWellFormed(string name)
    {
        var c = CorpusLoader.Get(name);
        Assert.False(string.IsNullOrWhiteSpace(c.Source), name + ": no source");
        Assert.NotEmpty(c.Raw);
        Assert.NotEmpty(c.Expect);
        Assert.True(c.Responses >= 1);
    }
}
