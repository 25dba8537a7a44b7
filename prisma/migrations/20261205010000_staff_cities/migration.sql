-- Cities (issue 13): staff scoped to cities. A professional or admin with rows here sees and acts
-- on their cities' SOS only; without any, they are global.
CREATE TABLE "staff_cities" (
    "user_id" UUID NOT NULL,
    "city_id" UUID NOT NULL,
    "assigned_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "staff_cities_pkey" PRIMARY KEY ("user_id", "city_id"),
    CONSTRAINT "staff_cities_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "staff_cities_city_id_fkey" FOREIGN KEY ("city_id") REFERENCES "cities"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "staff_cities_city_idx" ON "staff_cities" ("city_id");
