// CompiledExpression::Compile: resolves columns, checks that each is a
// number and lays the tree out as a flat program (expression_program.hpp).
#include "core/base/error.hpp"
#include "core/condition/expression_program.hpp"
#include "core/condition/program.hpp"

#include <algorithm>

namespace leadscore::core {

namespace {

[[noreturn]] void ThrowMalformed() {
	throw Error(ErrorKind::Internal, "malformed expression tree");
}

ExprOp ArithOpCode(ArithOp op) {
	switch (op) {
	case ArithOp::Add:
		return ExprOp::Add;
	case ArithOp::Sub:
		return ExprOp::Sub;
	case ArithOp::Mul:
		return ExprOp::Mul;
	case ArithOp::Div:
		return ExprOp::Div;
	}
	return ExprOp::Add;
}

ExprOp FunctionOpCode(Function f) {
	switch (f) {
	case Function::Least:
		return ExprOp::Least;
	case Function::Greatest:
		return ExprOp::Greatest;
	case Function::Abs:
		return ExprOp::Abs;
	case Function::Coalesce:
		return ExprOp::Coalesce;
	}
	return ExprOp::Least;
}

// Any: a jsonb value, a number or not row by row; Null: a column that is
// always NULL.
bool IsNumeric(ValueType t) {
	return t == ValueType::Int || t == ValueType::Float || t == ValueType::Any || t == ValueType::Null;
}

class ExpressionCompiler {
public:
	ExpressionCompiler(const Schema &schema, const ConditionLimits &limits, CompiledExpression::Impl *impl)
	    : schema_(schema), limits_(limits), impl_(*impl) {
	}

	std::uint32_t Compile(const Node &n, std::size_t depth) {
		// The parser bounds its trees' height by max_depth; this bound
		// protects the evaluator's recursion from trees built by hand.
		if (depth > limits_.max_depth)
			throw Error(ErrorKind::TooComplex, "expression nests too deeply",
			            "Operators, parentheses and function calls may nest at most " +
			                std::to_string(limits_.max_depth) + " levels deep.");
		ExprInstruction in;
		switch (n.kind) {
		case NodeKind::Literal:
			CompileLiteral(n, &in);
			break;
		case NodeKind::Column:
			in.op = ExprOp::Column;
			in.column = ResolveColumn(n);
			break;
		case NodeKind::Arith:
			in.op = ArithOpCode(n.arith);
			in.a = Compile(Child(n, 0), depth + 1);
			in.b = Compile(Child(n, 1), depth + 1);
			break;
		case NodeKind::Negate:
			in.op = ExprOp::Negate;
			in.a = Compile(Child(n, 0), depth + 1);
			break;
		case NodeKind::Call:
			CompileCall(n, depth, &in);
			break;
		default:
			throw Error(ErrorKind::TypeMismatch, "a points expression must be a number, not a condition",
			            "The error is at position " + std::to_string(n.position) + " of the expression.");
		}
		impl_.code.push_back(in);
		return static_cast<std::uint32_t>(impl_.code.size() - 1);
	}

private:
	static const Node &Child(const Node &n, std::size_t k) {
		if (k >= n.children.size() || !n.children[k])
			ThrowMalformed();
		return *n.children[k];
	}

	static void CompileLiteral(const Node &n, ExprInstruction *in) {
		in->op = ExprOp::Constant;
		switch (n.literal.kind) {
		case LiteralKind::Null:
			in->is_null = true;
			break;
		case LiteralKind::Int:
			in->constant = static_cast<double>(n.literal.i);
			break;
		case LiteralKind::Float:
			in->constant = n.literal.f;
			break;
		case LiteralKind::Bool:
		case LiteralKind::String:
			throw Error(ErrorKind::TypeMismatch, "a points expression takes numbers, not strings or booleans",
			            "The error is at position " + std::to_string(n.position) + " of the expression.");
		}
	}

	void CompileCall(const Node &n, std::size_t depth, ExprInstruction *in) {
		if (n.children.empty() || (n.function == Function::Abs && n.children.size() != 1))
			ThrowMalformed();
		in->op = FunctionOpCode(n.function);
		if (n.function == Function::Abs) {
			in->a = Compile(Child(n, 0), depth + 1);
			return;
		}
		// Arguments first: compiling one appends to args for nested calls.
		std::vector<std::uint32_t> arguments;
		for (std::size_t k = 0; k < n.children.size(); k++)
			arguments.push_back(Compile(Child(n, k), depth + 1));
		in->first = static_cast<std::uint32_t>(impl_.args.size());
		in->count = static_cast<std::uint32_t>(arguments.size());
		impl_.args.insert(impl_.args.end(), arguments.begin(), arguments.end());
	}

	std::size_t ResolveColumn(const Node &n) {
		for (std::size_t k = 0; k < schema_.size(); k++) {
			if (schema_[k].name != n.name)
				continue;
			if (!IsNumeric(schema_[k].type))
				throw Error(ErrorKind::TypeMismatch,
				            "column \"" + n.name + "\" is of type " + ValueTypeName(schema_[k].type) +
				                ", not a number",
				            "The expression names it at position " + std::to_string(n.position) + ".",
				            "Points expressions compute with integer, float and numeric columns and jsonb numbers.");
			impl_.columns_used.push_back(k);
			return k;
		}
		ThrowUndefinedColumn(n, schema_, "expression");
	}

	const Schema &schema_;
	const ConditionLimits &limits_;
	CompiledExpression::Impl &impl_;
};

} // namespace

CompiledExpression CompiledExpression::Compile(const Node &node, const Schema &schema,
                                               const ConditionLimits &limits) {
	auto impl = std::make_unique<Impl>();
	ExpressionCompiler compiler(schema, limits, impl.get());
	impl->root = compiler.Compile(node, 0);
	std::vector<std::size_t> &used = impl->columns_used;
	std::sort(used.begin(), used.end());
	used.erase(std::unique(used.begin(), used.end()), used.end());
	return CompiledExpression(std::move(impl));
}

CompiledExpression::CompiledExpression(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
}
CompiledExpression::CompiledExpression(CompiledExpression &&) noexcept = default;
CompiledExpression &CompiledExpression::operator=(CompiledExpression &&) noexcept = default;
CompiledExpression::~CompiledExpression() = default;

const std::vector<std::size_t> &CompiledExpression::columns_used() const noexcept {
	return impl_->columns_used;
}

} // namespace leadscore::core
