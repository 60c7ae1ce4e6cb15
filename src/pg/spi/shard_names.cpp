// How SQL names tables on a Citus shard.  See shard_names.hpp.
#include "pg/spi/shard_names.hpp"

extern "C" {
#include "lib/stringinfo.h"
}

#include <cctype>
#include <cstring>

namespace leadscore::pg {
namespace {

const ShardContext *current = nullptr;

bool IsIdentifierChar(char c) {
	return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}

} // namespace

ShardScope::ShardScope(const ShardContext *ctx) noexcept : was_(current) {
	current = ctx;
}

ShardScope::~ShardScope() {
	current = was_;
}

const ShardContext *CurrentShard() noexcept {
	return current;
}

Oid ShardKey() noexcept {
	return current == nullptr ? InvalidOid : current->key;
}

Oid ShardTable(Oid relid) noexcept {
	if (current != nullptr)
		for (const ShardContext::Shard &s : current->shards)
			if (s.relid == relid)
				return s.table;
	return InvalidOid;
}

Oid LocalShard(Oid table) noexcept {
	if (current != nullptr)
		for (const ShardContext::Shard &s : current->shards)
			if (s.table == table)
				return s.relid;
	return InvalidOid;
}

std::string NextId(const char *sequence) {
	std::string next = std::string("pg_catalog.nextval('") + sequence + "')";
	if (current == nullptr || current->group == 0)
		return next;
	return "(" + next + " OPERATOR(pg_catalog.+) " + std::to_string(current->group << 48) + "::pg_catalog.int8)";
}

const char *ShardSql(const char *sql) {
	if (current == nullptr)
		return sql;
	StringInfoData out;
	initStringInfo(&out);
	const char *p = sql;
	while (*p != '\0') {
		const std::pair<std::string, std::string> *hit = nullptr;
		if (p == sql || !IsIdentifierChar(p[-1]))
			for (const auto &name : current->names)
				if (std::strncmp(p, name.first.c_str(), name.first.size()) == 0 &&
				    !IsIdentifierChar(p[name.first.size()])) {
					hit = &name;
					break;
				}
		if (hit == nullptr) {
			appendStringInfoChar(&out, *p++);
			continue;
		}
		appendStringInfoString(&out, hit->second.c_str());
		p += hit->first.size();
	}
	return out.data;
}

} // namespace leadscore::pg
