resource "azurerm_eventgrid_system_topic" "storage" {
  name                = "evgt-${local.base}-storage"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  source_resource_id  = azurerm_storage_account.main.id
  topic_type          = "Microsoft.Storage.StorageAccounts"
  tags                = local.tags

  # Delivery and dead-lettering authenticate as this identity: the account has no keys to give out.
  identity {
    type = "SystemAssigned"
  }
}

# The topic's identity may add messages to the events queue and write dead letters, nothing else.
resource "azurerm_role_assignment" "topic_events_queue_sender" {
  scope                = local.queue_scopes.events
  role_definition_name = "Storage Queue Data Message Sender"
  principal_id         = azurerm_eventgrid_system_topic.storage.identity[0].principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "topic_deadletter_writer" {
  scope                = local.container_scopes.deadletter
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_eventgrid_system_topic.storage.identity[0].principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_eventgrid_system_topic_event_subscription" "blob_events" {
  name                  = "blob-events-to-queue"
  system_topic          = azurerm_eventgrid_system_topic.storage.name
  resource_group_name   = azurerm_resource_group.main.name
  event_delivery_schema = "EventGridSchema"

  included_event_types = [
    "Microsoft.Storage.BlobCreated",
    "Microsoft.Storage.BlobDeleted",
  ]

  subject_filter {
    subject_begins_with = "/blobServices/default/containers/${azurerm_storage_container.sources.name}/"
    case_sensitive      = true
  }

  storage_queue_endpoint {
    storage_account_id                    = azurerm_storage_account.main.id
    queue_name                            = azurerm_storage_queue.events.name
    queue_message_time_to_live_in_seconds = var.events_queue_message_ttl_seconds
  }

  delivery_identity {
    type = "SystemAssigned"
  }

  dead_letter_identity {
    type = "SystemAssigned"
  }

  storage_blob_dead_letter_destination {
    storage_account_id          = azurerm_storage_account.main.id
    storage_blob_container_name = azurerm_storage_container.deadletter.name
  }

  retry_policy {
    max_delivery_attempts = var.event_max_delivery_attempts
    event_time_to_live    = var.event_time_to_live_minutes
  }

  # Azure validates the destination with the topic's identity when the subscription is created.
  depends_on = [
    azurerm_role_assignment.topic_events_queue_sender,
    azurerm_role_assignment.topic_deadletter_writer,
  ]
}
