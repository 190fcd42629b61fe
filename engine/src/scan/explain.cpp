// explain: see explain.hpp
