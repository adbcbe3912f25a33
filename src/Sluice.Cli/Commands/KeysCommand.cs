using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Options;
using Sluice.Cli.Client;
using Sluice.Server;
using Sluice.Server.Security;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice keys create|list|revoke</c>: API keys, straight in the store the servers read (<c>--data-dir</c>'s status
/// database, or PostgreSQL with <c>Sluice:Stores=postgres</c>), so that the first admin key needs no server and no key.
/// A key is printed once, when it is created; the store keeps only its id and its secret's hash.
/// </summary>
internal static class KeysCommand
{
    public static Command Create()
    {
        var tenant = new Option<string>("--tenant") { Description = "The tenant the key acts for", Required = true };
        var role = new Option<string>("--role") { Description = "reader, writer or admin", Required = true };
        role.AcceptOnlyFromAmong(Roles.Reader, Roles.Writer, Roles.Admin);
        var name = new Option<string?>("--name") { Description = "Who or what holds the key (shown by 'keys list')" };
        var expires = new Option<string?>("--expires") { Description = "When it stops working: a duration (90d, 12h) or a date (2027-06-30)" };
        var dataDir = DataDirOption();
        var create = new Command("create", "Create an API key and print it (once)") { tenant, role, name, expires, dataDir };
        create.SetAction((result, cancellationToken) => CreateAsync(
            result.GetValue(dataDir)!, result.GetValue(tenant)!, result.GetValue(role)!, result.GetValue(name), result.GetValue(expires), cancellationToken));

        var listTenant = new Option<string?>("--tenant") { Description = "Only this tenant's keys" };
        var listDataDir = DataDirOption();
        var list = new Command("list", "List API keys (never their secrets)") { listTenant, listDataDir };
        list.SetAction((result, cancellationToken) => ListAsync(result.GetValue(listDataDir)!, result.GetValue(listTenant), cancellationToken));

        var id = new Argument<string>("id") { Description = "The key's id (the 12 characters after sk_, as 'keys list' shows)" };
        var revokeDataDir = DataDirOption();
        var revoke = new Command("revoke", "Revoke an API key: every API process refuses it within seconds") { id, revokeDataDir };
        revoke.SetAction((result, cancellationToken) => RevokeAsync(result.GetValue(revokeDataDir)!, result.GetValue(id)!, cancellationToken));

        return new Command("keys", "Create, list and revoke API keys") { create, list, revoke };
    }

    private static Option<string> DataDirOption() => new("--data-dir")
    {
        Description = "The server's data directory, whose status database holds the keys (default: ./sluice-data; ignored with Sluice:Stores=postgres)",
        DefaultValueFactory = _ => "sluice-data",
    };

    private static async Task<int> CreateAsync(
        string dataDir, string tenant, string roleName, string? name, string? expires, CancellationToken cancellationToken)
    {
        if (!Tenants.IsValid(tenant))
        {
            throw new CliException($"--tenant must be {Tenants.Rule}", 2);
        }

        if (!Roles.TryParse(roleName, out var role))
        {
            throw new CliException("--role must be reader, writer or admin", 2);
        }

        var expiresAt = expires is null ? (DateTimeOffset?)null : ParseExpiry(expires);
        await using var services = Services(dataDir);
        var (key, text) = await services.GetRequiredService<ApiKeys>().CreateAsync(tenant, role, name, expiresAt, cancellationToken);
        await Console.Error.WriteLineAsync(
            $"created key {key.Id} for tenant '{key.Tenant}' ({key.Role}{(key.ExpiresAt is { } e ? $", expires {e:yyyy-MM-dd HH:mm}Z" : string.Empty)}); it is shown once, store it now:");
        Console.WriteLine(text);
        return 0;
    }

    private static async Task<int> ListAsync(string dataDir, string? tenant, CancellationToken cancellationToken)
    {
        await using var services = Services(dataDir);
        var keys = await services.GetRequiredService<ApiKeys>().ListAsync(tenant, cancellationToken);
        if (keys.Count == 0)
        {
            Console.WriteLine(tenant is null ? "no keys: the API is open on loopback" : $"no keys for tenant '{tenant}'");
            return 0;
        }

        var now = DateTimeOffset.UtcNow;
        Console.WriteLine($"{"ID",-12}  {"TENANT",-20}  {"ROLE",-6}  {"STATE",-8}  {"CREATED",-16}  {"EXPIRES",-16}  NAME");
        foreach (var key in keys)
        {
            var state = ApiKeys.State(key, now);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{key.Id,-12}  {key.Tenant,-20}  {key.Role,-6}  {state,-8}  {key.CreatedAt:yyyy-MM-dd HH:mm}  {(key.ExpiresAt is { } e ? e.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "never"),-16}  {key.Name}"));
        }

        return 0;
    }

    private static async Task<int> RevokeAsync(string dataDir, string id, CancellationToken cancellationToken)
    {
        await using var services = Services(dataDir);
        if (!await services.GetRequiredService<ApiKeys>().RevokeAsync(id, cancellationToken))
        {
            throw new CliException($"there is no key '{id}' (see 'sluice keys list')", 1);
        }

        Console.WriteLine($"revoked key {id}: every API process refuses it within {services.GetRequiredService<IOptions<AuthOptions>>().Value.KeyCacheTtl.TotalSeconds:N0} s");
        return 0;
    }

    /// <summary>A duration from now (<c>90d</c>, <c>12h</c>, <c>30m</c>) or a date/time (UTC unless it says otherwise).</summary>
    internal static DateTimeOffset ParseExpiry(string text)
    {
        var value = text.Trim();
        if (value.Length > 1 && int.TryParse(value[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            TimeSpan? span = char.ToLowerInvariant(value[^1]) switch { 'd' => TimeSpan.FromDays(n), 'h' => TimeSpan.FromHours(n), 'm' => TimeSpan.FromMinutes(n), _ => null };
            if (span is { } s)
            {
                return DateTimeOffset.UtcNow + s;
            }
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at > DateTimeOffset.UtcNow ? at : throw new CliException($"--expires {text} is in the past", 2);
        }

        throw new CliException($"--expires takes a duration (90d, 12h, 30m) or a date (2027-06-30), not '{text}'", 2);
    }

    /// <summary>The stores the server's configuration names (appsettings, <c>Sluice__…</c> variables), with the keys service.</summary>
    private static ServiceProvider Services(string dataDir)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Sluice:DataDirectory"] = Path.GetFullPath(dataDir) })
            .Build();
        var options = configuration.GetSection(SluiceOptions.Section).Get<SluiceOptions>() ?? new SluiceOptions();
        if (options.Stores == "embedded")
        {
            Directory.CreateDirectory(options.DataDirectory);
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton(TimeProvider.System);
        services.AddSluiceStores(options, configuration);
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section);
        services.AddSingleton<ApiKeys>();
        return services.BuildServiceProvider();
    }
}
