namespace OrleansIngest.Integration.Tests.Webhook;

/// <summary>Webhook bodies as Event Grid sends them, in both schemas.</summary>
public static class EventBodies
{
    public const string ValidationCode = "512d38b6-c7b8-40c8-89fe-f46f9e9622b6";

    public static string Url(int n) => $"https://recordings.blob.core.windows.net/calls/2024/06/call-{n:D4}.wav";

    public static string ETag(int n) => $"0x8DC83A1B2C3{n:D4}";

    public static string EventGridCreated(int n) => $$"""
        {
          "topic": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ingest/providers/Microsoft.Storage/storageAccounts/recordings",
          "subject": "/blobServices/default/containers/calls/blobs/2024/06/call-{{n:D4}}.wav",
          "eventType": "Microsoft.Storage.BlobCreated",
          "eventTime": "2024-06-03T09:15:42.1234567Z",
          "id": "eg-{{n}}",
          "data": {
            "api": "PutBlockList",
            "eTag": "\"{{ETag(n)}}\"",
            "contentType": "audio/wav",
            "contentLength": {{1000 + n}},
            "blobType": "BlockBlob",
            "url": "{{Url(n)}}",
            "sequencer": "00000000000000000000000000012ab40000000000a1b2{{n:D2}}"
          },
          "dataVersion": "",
          "metadataVersion": "1"
        }
        """;

    public static string CloudEventCreated(int n) => $$"""
        {
          "specversion": "1.0",
          "type": "Microsoft.Storage.BlobCreated",
          "source": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ingest/providers/Microsoft.Storage/storageAccounts/recordings",
          "id": "ce-{{n}}",
          "time": "2024-06-03T09:20:05.9876543Z",
          "subject": "blobServices/default/containers/calls/blobs/2024/06/call-{{n:D4}}.wav",
          "data": {
            "api": "PutBlob",
            "eTag": "{{ETag(n)}}",
            "contentType": "audio/wav",
            "contentLength": {{1000 + n}},
            "blobType": "BlockBlob",
            "url": "{{Url(n)}}",
            "sequencer": "000000000000000000000000000099240000000000c41c{{n:D2}}"
          }
        }
        """;

    public static string EventGridArray(params int[] numbers) => "[" + string.Join(",", numbers.Select(EventGridCreated)) + "]";

    public static string CloudEventsBatch(params int[] numbers) => "[" + string.Join(",", numbers.Select(CloudEventCreated)) + "]";

    public static string EventGridWithoutETag(int n) => EventGridArray(n).Replace($"\"eTag\": \"\\\"{ETag(n)}\\\"\",", "", StringComparison.Ordinal);

    public static string Validation => $$"""
        [
          {
            "id": "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
            "topic": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ingest/providers/Microsoft.Storage/storageAccounts/recordings",
            "subject": "",
            "data": {
              "validationCode": "{{ValidationCode}}",
              "validationUrl": "https://rp-westeurope.eventgrid.azure.net/eventsubscriptions/ingest/validate?id=512d38b6&t=2024-06-03T09:00:00.0000000Z&apiVersion=2018-05-01-preview&token=1A1A1A1A"
            },
            "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
            "eventTime": "2024-06-03T09:00:00.0000000Z",
            "metadataVersion": "1",
            "dataVersion": "1"
          }
        ]
        """;
}
