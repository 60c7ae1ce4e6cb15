// One snapshot for a whole verify(): see consistent_reads.hpp.
#include "pg/consistent_reads.hpp"

extern "C" {
#include "access/xact.h"
#include "storage/proc.h"
}

namespace leadscore::pg {
namespace {

// Where the current ConsistentReads was made: a flag left behind by an
// error (a longjmp past the destructor) belongs to another (sub)transaction
// and reads as false.
bool active = false;
LocalTransactionId active_lxid = InvalidLocalTransactionId;
SubTransactionId active_subxact = InvalidSubTransactionId;

} // namespace

ConsistentReads::ConsistentReads() noexcept : was_(ReadOnlyScans()) {
	active = true;
	active_lxid = MyProc->lxid;
	active_subxact = GetCurrentSubTransactionId();
}

ConsistentReads::~ConsistentReads() {
	active = was_;
}

bool ReadOnlyScans() noexcept {
	return active && active_lxid == MyProc->lxid && active_subxact == GetCurrentSubTransactionId();
}

} // namespace leadscore::pg
