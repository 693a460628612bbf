namespace OrleansIngest.Processing.Tests.Events;

/// <summary>Example deliveries shaped after Azure's documented blob events (our own values), copied next to the tests.</summary>
internal static class EventFixtures
{
    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Events", "Fixtures", name));

    public static string ReadText(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Events", "Fixtures", name));
}
