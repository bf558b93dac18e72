namespace Portal.Tests.Support;

/// <summary>
/// Tests that each start Chromium or push gigabytes through the upload path run one class at a time, so that on
/// a two-core machine they do not starve each other into timeouts.
/// </summary>
[CollectionDefinition(Name)]
public sealed class HeavyTests
{
    public const string Name = "Browsers and large uploads, one at a time";
}
