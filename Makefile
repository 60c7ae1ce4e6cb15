# PGXS build of the extension: the C++ core (src/core, also built by CMake
# for unit tests) and the PostgreSQL glue (src/pg), plus the three
# PostgreSQL test suites (pg_regress, isolation, TAP).
#
#   make && make install
#   make installcheck            every suite, each on a throw-away cluster
#   make installcheck ISOLATION= TAP_TESTS=     pg_regress only
#
# initdb refuses root: run installcheck as an unprivileged user that owns the
# tree (scripts/test.sh does).

EXTENSION = leadscore
MODULE_big = leadscore
DATA = $(wildcard leadscore--*.sql)

CORE_SRCS = $(sort $(wildcard src/core/*/*.cpp))
GLUE_SRCS = $(sort $(wildcard src/pg/*.cpp src/pg/*/*.cpp))
OBJS = $(CORE_SRCS:.cpp=.o) $(GLUE_SRCS:.cpp=.o)

PG_CPPFLAGS = -Isrc
# -Wno-register: PostgreSQL 15's headers use `register`, an error in C++17.
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -Wno-register
# PGXS links with gcc, not g++.
SHLIB_LINK = -lre2 -lstdc++

REGRESS = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --temp-instance=./tmp_check --temp-config=test/regress.conf \
	--load-extension=leadscore

ISOLATION = $(sort $(basename $(notdir $(wildcard test/isolation/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=output_iso \
	--temp-instance=./tmp_check_iso --temp-config=test/regress.conf \
	--load-extension=leadscore

ifneq ($(wildcard test/t/*.pl),)
TAP_TESTS = 1
PROVE_TESTS = $(sort $(wildcard test/t/*.pl))
endif

EXTRA_CLEAN = tmp_check tmp_check_iso output_iso results regression.diffs \
	regression.out

# Debian builds PostgreSQL with LLVM; PGXS would then compile each .cpp to
# bitcode with clang, without -std=c++17.  The JIT gains nothing here.
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Rebuild what includes a changed header (PGXS tracks no header
# dependencies unless PostgreSQL was configured with --enable-depend).
override CXXFLAGS += -MMD -MP
-include $(OBJS:.o=.d)
EXTRA_CLEAN += $(OBJS:.o=.d)

# The core's stricter warnings (CMake uses the same set).
src/core/%.o: override CXXFLAGS += -Wpedantic -Wshadow -Wconversion
