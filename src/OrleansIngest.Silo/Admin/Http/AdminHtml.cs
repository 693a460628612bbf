using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace OrleansIngest.Silo.Admin.Http;

/// <summary>Writes the dashboard's server-rendered pages with headers that keep them out of frames and caches.</summary>
internal static class AdminHtml
{
    public static string Encode(string? value) => WebUtility.HtmlEncode(value ?? "");

    public static IResult Page(HttpContext context, string title, string body, int statusCode = StatusCodes.Status200OK)
    {
        var headers = context.Response.Headers;
        // Pages may show what only signed-in people should see, and the sign-in form carries an anti-forgery token.
        headers.CacheControl = "no-store";
        headers["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
        headers[HeaderNames.XContentTypeOptions] = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        var html = new StringBuilder()
            .Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
            .Append(Encode(title))
            .Append("</title>\n</head>\n<body>\n")
            .Append(body)
            .Append("\n</body>\n</html>\n")
            .ToString();
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, statusCode);
    }
}
