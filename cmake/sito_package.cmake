# The Debian package of the appliance (CPack's DEB generator): ops/package
# builds it as build/sito_<version>_<arch>.deb, tests/package/package_test.sh
# installs it, runs it and removes it.
#
#   /usr/bin/sitod, /usr/bin/sito
#   /lib/systemd/system/sitod.service     ops/debian/sitod.service
#   /etc/sitod/sitod.yaml                 ops/debian/sitod.yaml, a conffile
#   postinst, prerm, postrm               ops/debian/: the sitod system user,
#                                         /var/lib/sitod (its data, removed on purge only)
#
# Only the `sitod` install component goes into the package, so install rules
# other parts of the tree may add (a Python client, headers) stay out of it.
# Depends: dpkg-shlibdeps reads the binaries (CPACK_DEBIAN_PACKAGE_SHLIBDEPS,
# which needs dpkg-dev and file); the data sitod reads at run time (hunspell's
# ru_RU, the zoneinfo, the Tesseract languages of the default config) and the
# tools of the maintainer scripts are declared by hand.

install(TARGETS sitod sito RUNTIME DESTINATION bin COMPONENT sitod)
install(FILES ${PROJECT_SOURCE_DIR}/ops/debian/sitod.service DESTINATION /lib/systemd/system COMPONENT sitod)
install(FILES ${PROJECT_SOURCE_DIR}/ops/debian/sitod.yaml DESTINATION /etc/sitod COMPONENT sitod)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sito)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "sito")
set(CPACK_PACKAGE_CONTACT "sito maintainers <sito@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "social-media matching appliance: the sitod server and the sito CLI")
set(CPACK_PACKAGE_DESCRIPTION
    "sitod matches a firehose of posts against analysts' topics (Russian and\n\
English morphology, phrases, NEAR, tags, rules, sentiment, priority, text\n\
in pictures) and streams the mentions to subscribers, with Prometheus\n\
metrics. sito is its command-line tool.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# One monolithic package of the sitod component.
set(CPACK_INSTALL_CMAKE_PROJECTS "${PROJECT_BINARY_DIR};${PROJECT_NAME};sitod;/")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_THREADS 0)  # xz on every core
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Appended to what dpkg-shlibdeps finds.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "adduser, hunspell-ru, tzdata, tesseract-ocr-rus, tesseract-ocr-eng, tesseract-ocr-kaz")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "curl, openssl")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/ops/debian/conffiles ${PROJECT_SOURCE_DIR}/ops/debian/postinst
    ${PROJECT_SOURCE_DIR}/ops/debian/prerm ${PROJECT_SOURCE_DIR}/ops/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Absolute destinations (/etc, /lib/systemd) are where a Debian package puts them.
set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF)
include(CPack)
