using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Portal.Images.Import;

namespace Portal.Tests.Images.Import;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class ImportOptionsTests
{
    [Fact]
    public void Defaults_allow_only_public_http_and_https_ports()
    {
        var options = Bind([]);

        Assert.False(options.AllowLoopback);
        Assert.Equal([80, 443], options.AllowedPorts);
        Assert.Equal(5, options.MaxRedirects);
        Assert.Equal(TimeSpan.FromSeconds(10), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), options.IdleTimeout);
        Assert.Equal("Portal-image-import/1.0", options.UserAgent);
    }

    [Fact]
    public void Binds_the_Portal_Import_section_and_a_port_list_replaces_the_default_one()
    {
        var options = Bind(new()
        {
            ["Portal:Import:AllowLoopback"] = "true",
            ["Portal:Import:AllowedPorts:0"] = "443",
            ["Portal:Import:AllowedPorts:1"] = "8443",
            ["Portal:Import:MaxRedirects"] = "2",
            ["Portal:Import:IdleTimeout"] = "00:00:30",
            ["Portal:Import:UserAgent"] = "Portal-import-test",
        });

        Assert.True(options.AllowLoopback);
        Assert.Equal([443, 8443], options.AllowedPorts);
        Assert.Equal(2, options.MaxRedirects);
        Assert.Equal(TimeSpan.FromSeconds(30), options.IdleTimeout);
        Assert.Equal("Portal-import-test", options.UserAgent);
    }

    [Theory]
    [InlineData("Portal:Import:MaxRedirects", "-1")]
    [InlineData("Portal:Import:AllowedPorts:0", "70000")]
    [InlineData("Portal:Import:IdleTimeout", "00:00:00")]
    public void Refuses_settings_that_make_no_sense(string key, string value)
    {
        Assert.Throws<OptionsValidationException>(() => Bind(new() { [key] = value }));
    }

    [Fact]
    public void Registers_a_downloader_that_uses_the_configured_policy()
    {
        using var host = Build(new() { ["Portal:Import:AllowLoopback"] = "true" });

        Assert.NotNull(host.Services.GetRequiredService<UrlDownloader>());
        Assert.True(host.Services.GetRequiredService<ImportUrlPolicy>().CheckUrl("http://127.0.0.1/").IsAllowed);
    }

    private static ImportOptions Bind(Dictionary<string, string?> settings)
    {
        using var host = Build(settings);
        return host.Services.GetRequiredService<IOptions<ImportOptions>>().Value;
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddUrlImport(builder.Configuration);
        return builder.Build();
    }
}
