# Every third-party dependency comes from a Debian package (see ops/setup).
find_package(PkgConfig REQUIRED)
pkg_check_modules(HYPERSCAN REQUIRED IMPORTED_TARGET libhs)
find_package(TBB REQUIRED)
find_package(ICU REQUIRED COMPONENTS uc i18n)
find_package(absl REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(CLI11 REQUIRED)
# Calendars and time zones from the system's zoneinfo (tzdata, kept current by
# Debian; ICU's own copy in bookworm is 2022e): Howard Hinnant's date/tz.
find_package(date CONFIG REQUIRED)

find_path(STEMMER_INCLUDE_DIR libstemmer.h REQUIRED)
find_library(STEMMER_LIBRARY stemmer REQUIRED)
add_library(sito_stemmer INTERFACE)
target_include_directories(sito_stemmer SYSTEM INTERFACE ${STEMMER_INCLUDE_DIR})
target_link_libraries(sito_stemmer INTERFACE ${STEMMER_LIBRARY})
add_library(sito::stemmer ALIAS sito_stemmer)

set(SITO_HUNSPELL_DIR /usr/share/hunspell CACHE PATH "Where ru_RU.aff/.dic live")
set(SITO_FORTUNES_DIR /usr/share/games/fortunes CACHE PATH "Where fortunes and fortunes-ru live")
