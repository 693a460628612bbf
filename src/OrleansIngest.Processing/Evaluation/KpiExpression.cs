using System.Globalization;
using System.Text;

namespace OrleansIngest.Processing.Evaluation;

/// <summary>A KPI definition that does not parse or does not fit the rows; the message names the KPI and the column.</summary>
public sealed class KpiException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public KpiException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public KpiException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public KpiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A user KPI: <c>name = expression</c> over the rows of one model, e.g.
/// <c>speech_hours = sum(end_s - start_s) / 3600 where speech_ratio &gt; 0.5</c> or
/// <c>usable_segment_ratio = avg(speech_ratio &gt;= 0.2)</c>.
/// </summary>
/// <remarks>
/// Grammar (case-insensitive keywords): aggregates <c>sum avg count min max</c> (<c>count(*)</c> counts rows),
/// each optionally followed by <c>filter (where cond)</c>; arithmetic <c>+ - * / %</c>; comparisons
/// <c>= == != &lt;&gt; &lt; &lt;= &gt; &gt;=</c> (true = 1, false = 0); <c>and or not</c>; parentheses; numbers; column
/// names. A trailing <c>where cond</c> filters the rows of every aggregate. Columns may appear only inside
/// aggregates. Empty input: <c>sum</c> and <c>count</c> are 0, <c>avg min max</c> are NaN; division by zero is NaN.
/// </remarks>
public sealed class KpiExpression
{
    private readonly Node _root;
    private readonly Node? _where;

    private KpiExpression(string name, string text, Node root, Node? where)
    {
        Name = name;
        Text = text;
        _root = root;
        _where = where;
    }

    /// <summary>The KPI's name.</summary>
    public string Name { get; }

    /// <summary>The expression as written (right of <c>=</c>).</summary>
    public string Text { get; }

    /// <summary>Columns the expression reads.</summary>
    public IReadOnlySet<string> Columns
    {
        get
        {
            var columns = new HashSet<string>(StringComparer.Ordinal);
            _root.CollectColumns(columns);
            _where?.CollectColumns(columns);
            return columns;
        }
    }

    /// <summary>Parses <c>name = expression</c>.</summary>
    /// <exception cref="KpiException">The definition does not parse; the message gives the position and what was expected.</exception>
    public static KpiExpression Parse(string definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var parser = new Parser(definition);
        return parser.ParseDefinition();
    }

    /// <summary>Evaluates over <paramref name="rows"/> (column name → value; booleans as 1/0).</summary>
    /// <exception cref="KpiException">A column is missing from the rows.</exception>
    public double Evaluate(IReadOnlyList<IReadOnlyDictionary<string, double>> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count > 0)
        {
            foreach (var column in Columns)
            {
                if (!rows[0].ContainsKey(column))
                {
                    throw new KpiException(
                        $"KPI '{Name}': unknown column '{column}'; available: {string.Join(", ", rows[0].Keys.Order(StringComparer.Ordinal))}.");
                }
            }
        }

        var selected = _where is null ? rows : [.. rows.Where(r => _where.Row(r) != 0)];
        return _root.Aggregate(selected);
    }

    private abstract class Node
    {
        public abstract double Row(IReadOnlyDictionary<string, double> row);

        public abstract double Aggregate(IReadOnlyList<IReadOnlyDictionary<string, double>> rows);

        public abstract void CollectColumns(HashSet<string> columns);
    }

    private sealed class NumberNode(double value) : Node
    {
        public override double Row(IReadOnlyDictionary<string, double> row) => value;

        public override double Aggregate(IReadOnlyList<IReadOnlyDictionary<string, double>> rows) => value;

        public override void CollectColumns(HashSet<string> columns)
        {
        }
    }

    private sealed class ColumnNode(string name) : Node
    {
        public override double Row(IReadOnlyDictionary<string, double> row) => row[name];

        public override double Aggregate(IReadOnlyList<IReadOnlyDictionary<string, double>> rows) =>
            throw new InvalidOperationException("Columns are checked at parse time to sit inside aggregates.");

        public override void CollectColumns(HashSet<string> columns) => columns.Add(name);
    }

    private sealed class UnaryNode(string op, Node operand) : Node
    {
        public override double Row(IReadOnlyDictionary<string, double> row) => Apply(operand.Row(row));

        public override double Aggregate(IReadOnlyList<IReadOnlyDictionary<string, double>> rows) => Apply(operand.Aggregate(rows));

        public override void CollectColumns(HashSet<string> columns) => operand.CollectColumns(columns);

        private double Apply(double value) => op == "-" ? -value : (value == 0 ? 1 : 0);
    }

    private sealed class BinaryNode(string op, Node left, Node right) : Node
    {
        public override double Row(IReadOnlyDictionary<string, double> row) => Apply(left.Row(row), right.Row(row));

        public override double Aggregate(IReadOnlyList<IReadOnlyDictionary<string, double>> rows) => Apply(left.Aggregate(rows), right.Aggregate(rows));

        public override void CollectColumns(HashSet<string> columns)
        {
            left.CollectColumns(columns);
            right.CollectColumns(columns);
        }

        private double Apply(double a, double b) => op switch
        {
            "+" => a + b,
            "-" => a - b,
            "*" => a * b,
            "/" => b == 0 ? double.NaN : a / b,
            "%" => b == 0 ? double.NaN : a % b,
            "=" => a == b ? 1 : 0,
            "!=" => a != b ? 1 : 0,
            "<" => a < b ? 1 : 0,
            "<=" => a <= b ? 1 : 0,
            ">" => a > b ? 1 : 0,
            ">=" => a >= b ? 1 : 0,
            "and" => a != 0 && b != 0 ? 1 : 0,
            "or" => a != 0 || b != 0 ? 1 : 0,
            _ => throw new InvalidOperationException($"Unknown operator {op}."),
        };
    }

    private sealed class AggregateNode(string function, Node? argument, Node? filter) : Node
    {
        public override double Row(IReadOnlyDictionary<string, double> row) =>
            throw new InvalidOperationException("Nested aggregates are rejected at parse time.");

        public override double Aggregate(IReadOnlyList<IReadOnlyDictionary<string, double>> rows)
        {
            IEnumerable<IReadOnlyDictionary<string, double>> selected = filter is null ? rows : rows.Where(r => filter.Row(r) != 0);
            if (function == "count")
            {
                return argument is null ? selected.Count() : selected.Count(r => !double.IsNaN(argument.Row(r)));
            }

            var values = selected.Select(r => argument!.Row(r)).ToList();
            return function switch
            {
                "sum" => values.Sum(),
                "avg" => values.Count == 0 ? double.NaN : values.Average(),
                "min" => values.Count == 0 ? double.NaN : values.Min(),
                _ => values.Count == 0 ? double.NaN : values.Max(),
            };
        }

        public override void CollectColumns(HashSet<string> columns)
        {
            argument?.CollectColumns(columns);
            filter?.CollectColumns(columns);
        }
    }

    private enum TokenKind
    {
        Number,
        Identifier,
        Symbol,
        End,
    }

    private readonly record struct Token(TokenKind Kind, string Text, int Position);

    private sealed class Parser
    {
        private static readonly HashSet<string> Aggregates = new(StringComparer.Ordinal) { "sum", "avg", "count", "min", "max" };
        private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal) { "and", "or", "not", "where", "filter" };

        private readonly string _source;
        private readonly List<Token> _tokens;
        private string _name = "";
        private int _next;
        private int _aggregateDepth;

        public Parser(string source)
        {
            _source = source;
            _tokens = Tokenize(source);
        }

        public KpiExpression ParseDefinition()
        {
            var name = Expect(TokenKind.Identifier, "a KPI name");
            if (Keywords.Contains(name.Text) || Aggregates.Contains(name.Text))
            {
                throw Error(name, $"'{name.Text}' is a keyword and cannot name a KPI");
            }

            _name = name.Text;

            ExpectSymbol("=", "'=' after the KPI name");
            var bodyStart = Peek.Position;
            var root = ParseOr();
            Node? where = null;
            if (IsKeyword("where"))
            {
                _next++;
                _aggregateDepth++;
                where = ParseOr();
                _aggregateDepth--;
            }

            if (Peek.Kind != TokenKind.End)
            {
                throw Error(Peek, $"unexpected '{Peek.Text}'");
            }

            return new KpiExpression(_name, _source[bodyStart..].Trim(), root, where);
        }

        private Token Peek => _tokens[_next];

        private Node ParseOr()
        {
            var left = ParseAnd();
            while (IsKeyword("or"))
            {
                _next++;
                left = new BinaryNode("or", left, ParseAnd());
            }

            return left;
        }

        private Node ParseAnd()
        {
            var left = ParseNot();
            while (IsKeyword("and"))
            {
                _next++;
                left = new BinaryNode("and", left, ParseNot());
            }

            return left;
        }

        private Node ParseNot()
        {
            if (IsKeyword("not"))
            {
                _next++;
                return new UnaryNode("not", ParseNot());
            }

            return ParseComparison();
        }

        private Node ParseComparison()
        {
            var left = ParseAdditive();
            if (Peek.Kind == TokenKind.Symbol && Peek.Text is "=" or "==" or "!=" or "<>" or "<" or "<=" or ">" or ">=")
            {
                var op = _tokens[_next++].Text switch
                {
                    "==" => "=",
                    "<>" => "!=",
                    var other => other,
                };
                left = new BinaryNode(op, left, ParseAdditive());
            }

            return left;
        }

        private Node ParseAdditive()
        {
            var left = ParseMultiplicative();
            while (Peek.Kind == TokenKind.Symbol && Peek.Text is "+" or "-")
            {
                var op = _tokens[_next++].Text;
                left = new BinaryNode(op, left, ParseMultiplicative());
            }

            return left;
        }

        private Node ParseMultiplicative()
        {
            var left = ParseUnary();
            while (Peek.Kind == TokenKind.Symbol && Peek.Text is "*" or "/" or "%")
            {
                var op = _tokens[_next++].Text;
                left = new BinaryNode(op, left, ParseUnary());
            }

            return left;
        }

        private Node ParseUnary()
        {
            if (Peek.Kind == TokenKind.Symbol && Peek.Text == "-")
            {
                _next++;
                return new UnaryNode("-", ParseUnary());
            }

            return ParsePrimary();
        }

        private Node ParsePrimary()
        {
            var token = Peek;
            switch (token.Kind)
            {
                case TokenKind.Number:
                    _next++;
                    return new NumberNode(double.Parse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture));
                case TokenKind.Symbol when token.Text == "(":
                    _next++;
                    var inner = ParseOr();
                    ExpectSymbol(")", "')'");
                    return inner;
                case TokenKind.Identifier when token.Text is "true" or "false":
                    _next++;
                    return new NumberNode(token.Text == "true" ? 1 : 0);
                case TokenKind.Identifier when Aggregates.Contains(token.Text):
                    return ParseAggregate();
                case TokenKind.Identifier when Keywords.Contains(token.Text):
                    throw Error(token, $"expected a value but found the keyword '{token.Text}'");
                case TokenKind.Identifier:
                    _next++;
                    if (_aggregateDepth == 0)
                    {
                        throw Error(token, $"column '{token.Text}' is used outside an aggregate; wrap it in sum/avg/count/min/max");
                    }

                    return new ColumnNode(token.Text);
                case TokenKind.End:
                    throw Error(token, "the expression ends too early");
                default:
                    throw Error(token, $"expected a value but found '{token.Text}'");
            }
        }

        private Node ParseAggregate()
        {
            var function = _tokens[_next++];
            if (_aggregateDepth > 0)
            {
                throw Error(function, $"aggregate '{function.Text}' inside another aggregate or a where clause");
            }

            ExpectSymbol("(", $"'(' after '{function.Text}'");
            Node? argument = null;
            _aggregateDepth++;
            if (function.Text == "count" && Peek.Kind == TokenKind.Symbol && Peek.Text == "*")
            {
                _next++;
            }
            else
            {
                argument = ParseOr();
            }

            ExpectSymbol(")", $"')' to close '{function.Text}('");
            Node? filter = null;
            if (IsKeyword("filter"))
            {
                _next++;
                ExpectSymbol("(", "'(' after 'filter'");
                if (!IsKeyword("where"))
                {
                    throw Error(Peek, "expected 'where' after 'filter ('");
                }

                _next++;
                filter = ParseOr();
                ExpectSymbol(")", "')' to close 'filter (where …'");
            }

            _aggregateDepth--;
            return new AggregateNode(function.Text, argument, filter);
        }

        private bool IsKeyword(string keyword) => Peek.Kind == TokenKind.Identifier && Peek.Text == keyword;

        private Token Expect(TokenKind kind, string what)
        {
            var token = Peek;
            if (token.Kind != kind)
            {
                throw Error(token, $"expected {what} but found {Describe(token)}");
            }

            _next++;
            return token;
        }

        private void ExpectSymbol(string symbol, string what)
        {
            var token = Peek;
            if (token.Kind != TokenKind.Symbol || token.Text != symbol)
            {
                throw Error(token, $"expected {what} but found {Describe(token)}");
            }

            _next++;
        }

        private static string Describe(Token token) => token.Kind == TokenKind.End ? "the end" : $"'{token.Text}'";

        private KpiException Error(Token token, string message)
        {
            var label = _name.Length > 0 ? $"KPI '{_name}'" : "KPI";
            return new KpiException(string.Create(CultureInfo.InvariantCulture, $"{label} at position {token.Position + 1}: {message}.\n  {_source}\n  {new string(' ', token.Position)}^"));
        }

        private static List<Token> Tokenize(string source)
        {
            var tokens = new List<Token>();
            var i = 0;
            while (i < source.Length)
            {
                var c = source[i];
                if (char.IsWhiteSpace(c))
                {
                    i++;
                }
                else if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < source.Length && char.IsAsciiDigit(source[i + 1])))
                {
                    var start = i;
                    while (i < source.Length && (char.IsAsciiDigit(source[i]) || source[i] == '.'))
                    {
                        i++;
                    }

                    if (i < source.Length && source[i] is 'e' or 'E')
                    {
                        i++;
                        if (i < source.Length && source[i] is '+' or '-')
                        {
                            i++;
                        }

                        while (i < source.Length && char.IsAsciiDigit(source[i]))
                        {
                            i++;
                        }
                    }

                    var text = source[start..i];
                    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    {
                        throw new KpiException(string.Create(CultureInfo.InvariantCulture, $"KPI at position {start + 1}: '{text}' is not a number.\n  {source}\n  {new string(' ', start)}^"));
                    }

                    tokens.Add(new Token(TokenKind.Number, text, start));
                }
                else if (char.IsAsciiLetter(c) || c == '_')
                {
                    var start = i;
                    while (i < source.Length && (char.IsAsciiLetterOrDigit(source[i]) || source[i] == '_'))
                    {
                        i++;
                    }

                    var word = source[start..i];
                    // Keywords and aggregates are case-insensitive, as in SQL; column names keep their case.
                    var lower = word.ToLowerInvariant();
                    tokens.Add(new Token(TokenKind.Identifier, Aggregates.Contains(lower) || Keywords.Contains(lower) || lower is "true" or "false" ? lower : word, start));
                }
                else
                {
                    var two = i + 1 < source.Length ? source.Substring(i, 2) : "";
                    if (two is "<=" or ">=" or "!=" or "<>" or "==")
                    {
                        tokens.Add(new Token(TokenKind.Symbol, two, i));
                        i += 2;
                    }
                    else if ("+-*/%()<>=".Contains(c, StringComparison.Ordinal))
                    {
                        tokens.Add(new Token(TokenKind.Symbol, c.ToString(), i));
                        i++;
                    }
                    else
                    {
                        var printable = new StringBuilder().Append(c).ToString();
                        throw new KpiException(string.Create(CultureInfo.InvariantCulture, $"KPI at position {i + 1}: unexpected character '{printable}'.\n  {source}\n  {new string(' ', i)}^"));
                    }
                }
            }

            tokens.Add(new Token(TokenKind.End, "", source.Length));
            return tokens;
        }
    }
}
